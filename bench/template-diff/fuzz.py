#!/usr/bin/env python3
"""Prints N random docker --format templates (one per line) over container-inspect fields, for template-diff.sh."""
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
random.seed(int(sys.argv[2]) if len(sys.argv) > 2 else 1)

FIELDS = ['.Name', '.State.Pid', '.State.Running', '.State.Status', '.Config.Env', '.Config.Cmd', '.Config.Labels',
          '.RestartCount', '.Config.Tty', '.Path', '.Args', '.State.ExitCode', '.HostConfig.Tmpfs', '.Config.Image',
          '.Driver', '.Config.Entrypoint', '.HostConfig.Binds']
CONSTS = ['1', '0', '-3', '2.5', '"x"', '""', '"a b"', 'true', 'false', '1e3', '0x10', "'a'", '3']
FUNCS1 = ['len', 'not', 'upper', 'lower', 'title', 'json', 'print', 'println', 'html', 'urlquery', 'js']
VERBS = ['%v', '%s', '%d', '%q', '%x', '%5v', '%-6s', '%t', '%.2f', '%03d', '%8.3v', '%+v', '%#v', '%e', '%g', '%c',
         '%o', '%b', '%X', '%10.4q', '%-5d', '% d', '%+d', '%6.2e', '%G', '%.0f', '%5.1f', '%#x', '%#o']


def arg(d=0):
    r = random.random()
    if r < 0.45:
        return random.choice(FIELDS)
    if r < 0.55:
        return random.choice(['$x', '.', '$.Name', '$.Config.Cmd'])
    if r < 0.8 or d > 1:
        return random.choice(CONSTS)
    return '(' + expr(d + 1) + ')'


def expr(d=0):
    r = random.random()
    if r < 0.2:
        return arg(d)
    if r < 0.4:
        return random.choice(FUNCS1) + ' ' + arg(d)
    if r < 0.6:
        fmt = ' '.join(random.choice(VERBS) for _ in range(random.randint(1, 3)))
        return 'printf "' + fmt + '" ' + ' '.join(arg(d) for _ in range(random.randint(1, 3)))
    if r < 0.7:
        return random.choice(['eq', 'ne', 'lt', 'le', 'gt', 'ge']) + ' ' + arg(d) + ' ' + arg(d)
    if r < 0.8:
        return random.choice(['and', 'or']) + ' ' + ' '.join(arg(d) for _ in range(random.randint(1, 3)))
    if r < 0.88:
        return 'index ' + random.choice(['.Config.Env', '.Config.Labels', '.Config.Cmd', '.Name', '.Args']) + ' ' \
            + random.choice(['0', '1', '5', '"a"', '"b"', '-1'])
    if r < 0.94:
        return random.choice(['join', 'split']) + ' ' + arg(d) + ' ' + random.choice(['","', '" "', '""', '"/"'])
    return 'truncate ' + arg(d) + ' ' + random.choice(['0', '3', '20'])


out = set()
while len(out) < n:
    e = expr()
    pre = '{{$x := ' + random.choice(FIELDS) + '}}'
    r = random.random()
    if r < 0.4:
        t = pre + '{{' + e + '}}'
    elif r < 0.55:
        t = pre + '{{' + e + ' | ' + random.choice(['len', 'printf "%v"', 'json', 'upper', 'not', 'print']) + '}}'
    elif r < 0.7:
        t = pre + '{{if ' + e + '}}T{{else if ' + arg() + '}}E{{else}}F{{end}}'
    elif r < 0.85:
        t = pre + '{{range $i, $v := ' + random.choice(['.Config.Env', '.Config.Labels', '.Config.Cmd', '.Args']) \
            + '}}{{$i}}={{' + random.choice(['$v', 'json $v', 'len $v', 'printf "%v" $v', 'upper $v', '$x']) + '}};{{end}}'
    else:
        t = pre + '{{with ' + e + '}}<{{.}}|{{$x}}>{{else}}none{{end}}'
    out.add(t)
print('\n'.join(sorted(out)))
