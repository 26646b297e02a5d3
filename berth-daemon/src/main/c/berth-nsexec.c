/*
 * berth-nsexec: starts a process inside a running container, as `runc exec` does, in about a millisecond
 * instead of runc's ~20 (a Go program started twice, and its seccomp profile compiled again each time).
 *
 *   berth-nsexec exec SPEC           joins the namespaces and cgroups SPEC names, confines a child as SPEC says
 *                                    and execs its command there; exits with the command's status (128 + signal
 *                                    when one killed it), or 255 after writing runc's kind of JSON error to the log.
 *   berth-nsexec dump-seccomp PID    writes the oldest seccomp filter of PID (the one runc installed) to stdout
 *                                    as raw struct sock_filter instructions; exit 3 when PID has none.
 *
 * SPEC is written by berthd: NUL-terminated key and value strings, one pair after another, so that no
 * value (an argument, an environment entry) needs quoting. berthd gives this program an empty environment.
 *
 * The order of the child's steps follows runc 1.1's setns init, which is what an exec'd process gets under
 * Docker: keyring, no_new_privs, seccomp (first when no_new_privs is off, since installing it then needs
 * CAP_SYS_ADMIN), bounding set, groups and ids, working directory, capabilities, AppArmor, the command's
 * lookup in PATH, seccomp (last when no_new_privs is on), execve.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <grp.h>
#include <linux/sched.h>

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#define KEYCTL_JOIN_SESSION_KEYRING 1
#define MAX_ITEMS 4096

extern char **environ;

static int log_fd = -1;

/* The error as runc logs it (one JSON line), so that berthd words it as Docker does; then exit 255. */
static void json_escape(char *out, size_t cap, const char *in) {
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *) in; *p && o + 7 < cap; p++) {
        if (*p == '"' || *p == '\\') {
            out[o++] = '\\';
            out[o++] = (char) *p;
        } else if (*p < 0x20) {
            o += (size_t) snprintf(out + o, cap - o, "\\u%04x", *p);
        } else {
            out[o++] = (char) *p;
        }
    }
    out[o] = 0;
}

static void fail(const char *fmt, ...) {
    char msg[2048], esc[4200], line[4400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_escape(esc, sizeof esc, msg);
    int n = snprintf(line, sizeof line, "{\"level\":\"error\",\"msg\":\"%s\"}\n", esc);
    if (log_fd >= 0) {
        (void) !write(log_fd, line, (size_t) n);
    } else {
        /* with a log, stderr is the command's alone, as runc's is */
        fprintf(stderr, "berth-nsexec: %s\n", msg);
    }
    _exit(255);
}

/* Go's wording of an errno: strerror's, starting in lower case. */
static const char *go_error(int err) {
    static char buf[256];
    snprintf(buf, sizeof buf, "%s", strerror(err));
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z')) {
        buf[0] = (char) (buf[0] - 'A' + 'a');
    }
    return buf;
}

/*
 * Runs from a sealed copy of itself: a process in the container that may ptrace our child (one with
 * CAP_SYS_PTRACE) could otherwise reopen /proc/<child>/exe for writing once we exit and replace this
 * binary on the host (CVE-2019-5736). A sealed memfd cannot be written.
 */
static void run_sealed(char **argv) {
    int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (self < 0) {
        fail("open /proc/self/exe: %s", go_error(errno));
    }
    int seals = fcntl(self, F_GET_SEALS);
    if (seals >= 0 && (seals & F_SEAL_WRITE)) {
        close(self);
        return; /* already the sealed copy */
    }
    int mem = memfd_create("berth-nsexec", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (mem < 0 && errno == EINVAL) {
        mem = memfd_create("berth-nsexec", MFD_CLOEXEC | MFD_ALLOW_SEALING); /* a kernel without MFD_EXEC */
    }
    if (mem < 0) {
        fail("memfd_create: %s", go_error(errno));
    }
    struct stat st;
    if (fstat(self, &st) < 0) {
        fail("stat /proc/self/exe: %s", go_error(errno));
    }
    off_t off = 0;
    while (off < st.st_size) {
        ssize_t n = sendfile(mem, self, &off, (size_t) (st.st_size - off));
        if (n <= 0) {
            fail("copying /proc/self/exe: %s", n < 0 ? go_error(errno) : "short copy");
        }
    }
    close(self);
    if (fcntl(mem, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
        fail("sealing the copy of /proc/self/exe: %s", go_error(errno));
    }
    fexecve(mem, argv, environ);
    fail("running the sealed copy of /proc/self/exe: %s", go_error(errno));
}

/* ---- the spec ---- */

struct spec {
    char *ns_type[16], *ns_path[16];
    int ns_count;
    char *cgroups[64];
    int cgroup_count;
    const char *cgroup2;
    char *args[MAX_ITEMS], *env[MAX_ITEMS];
    int arg_count, env_count;
    char *rlimits[32];
    int rlimit_count;
    const char *pidfile, *log, *cwd, *groups, *apparmor, *keyring, *seccomp, *oom, *init;
    uid_t uid;
    gid_t gid;
    uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
    int nnp;
};

static char *read_file(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fail("open %s: %s", path, go_error(errno));
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_size > (64 << 20)) {
        fail("%s: too large or unreadable", path);
    }
    char *buf = malloc((size_t) st.st_size + 1);
    if (buf == NULL) {
        fail("out of memory");
    }
    size_t got = 0;
    while (got < (size_t) st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t) st.st_size - got);
        if (n <= 0) {
            fail("read %s: %s", path, n < 0 ? go_error(errno) : "short read");
        }
        got += (size_t) n;
    }
    buf[got] = 0;
    close(fd);
    *len = got;
    return buf;
}

static uint64_t hex64(const char *key, const char *v) {
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 16);
    if (errno || *end || end == v) {
        fail("spec: %s is not a hexadecimal number: %s", key, v);
    }
    return (uint64_t) x;
}

static long long number(const char *key, const char *v) {
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || *end || end == v) {
        fail("spec: %s is not a number: %s", key, v);
    }
    return x;
}

/* Adds val to a list that holds room entries. */
static void append(char **list, int *count, int room, char *val, const char *what) {
    if (*count >= room) {
        fail("spec: too many %s", what);
    }
    list[(*count)++] = val;
}

static void parse_spec(const char *path, struct spec *s) {
    size_t len;
    char *buf = read_file(path, &len);
    memset(s, 0, sizeof *s);
    s->cwd = "/";
    size_t at = 0;
    while (at < len) {
        char *key = buf + at;
        size_t klen = strnlen(key, len - at);
        if (at + klen >= len) {
            fail("spec: key without its value");
        }
        char *val = key + klen + 1;
        size_t vlen = strnlen(val, len - (at + klen + 1));
        if (at + klen + 1 + vlen >= len) {
            fail("spec: the value of %s is not terminated", key);
        }
        at += klen + 1 + vlen + 1;
        if (strcmp(key, "ns") == 0) {
            char *colon = strchr(val, ':');
            if (colon == NULL || s->ns_count == 16) {
                fail("spec: bad namespace %s", val);
            }
            *colon = 0;
            s->ns_type[s->ns_count] = val;
            s->ns_path[s->ns_count++] = colon + 1;
        } else if (strcmp(key, "cgroup") == 0) {
            append(s->cgroups, &s->cgroup_count, 64, val, "cgroups");
        } else if (strcmp(key, "cgroup2") == 0) {
            s->cgroup2 = val;
        } else if (strcmp(key, "arg") == 0) {
            append(s->args, &s->arg_count, MAX_ITEMS - 1, val, "arguments"); /* room for the end */
        } else if (strcmp(key, "env") == 0) {
            append(s->env, &s->env_count, MAX_ITEMS - 2, val, "environment variables"); /* room for HOME and the end */
        } else if (strcmp(key, "rlimit") == 0) {
            append(s->rlimits, &s->rlimit_count, 32, val, "rlimits");
        } else if (strcmp(key, "init") == 0) {
            s->init = val;
        } else if (strcmp(key, "pidfile") == 0) {
            s->pidfile = val;
        } else if (strcmp(key, "log") == 0) {
            s->log = val;
        } else if (strcmp(key, "cwd") == 0) {
            s->cwd = val;
        } else if (strcmp(key, "uid") == 0) {
            s->uid = (uid_t) number(key, val);
        } else if (strcmp(key, "gid") == 0) {
            s->gid = (gid_t) number(key, val);
        } else if (strcmp(key, "groups") == 0) {
            s->groups = val;
        } else if (strcmp(key, "apparmor") == 0) {
            s->apparmor = val;
        } else if (strcmp(key, "keyring") == 0) {
            s->keyring = val;
        } else if (strcmp(key, "seccomp") == 0) {
            s->seccomp = val;
        } else if (strcmp(key, "oom") == 0) {
            s->oom = val;
        } else if (strcmp(key, "nnp") == 0) {
            s->nnp = strcmp(val, "1") == 0;
        } else if (strcmp(key, "cap.bounding") == 0) {
            s->cap_bounding = hex64(key, val);
        } else if (strcmp(key, "cap.effective") == 0) {
            s->cap_effective = hex64(key, val);
        } else if (strcmp(key, "cap.permitted") == 0) {
            s->cap_permitted = hex64(key, val);
        } else if (strcmp(key, "cap.inheritable") == 0) {
            s->cap_inheritable = hex64(key, val);
        } else if (strcmp(key, "cap.ambient") == 0) {
            s->cap_ambient = hex64(key, val);
        } else {
            fail("spec: unknown key %s", key);
        }
    }
    if (s->arg_count == 0) {
        fail("spec: no command");
    }
    s->args[s->arg_count] = NULL;
    s->env[s->env_count] = NULL;
}

static int ns_flag(const char *type) {
    static const struct { const char *name; int flag; } kinds[] = {
        {"user", CLONE_NEWUSER}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}, {"net", CLONE_NEWNET},
        {"pid", CLONE_NEWPID}, {"mnt", CLONE_NEWNS}, {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(kinds[i].name, type) == 0) {
            return kinds[i].flag;
        }
    }
    fail("spec: unknown namespace type %s", type);
    return 0;
}

/* ---- the child's confinement ---- */

/* The error goes to the parent through the status pipe; it logs it. */
static int status_fd = -1;
/* whether the child was born in the v2 cgroup (spawn_into), or must still join it */
static int joined_v2 = 1;

static void child_fail(const char *fmt, ...) {
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    (void) !write(status_fd, msg, strlen(msg));
    _exit(1);
}

static void install_seccomp(struct sock_fprog *prog) {
    if (prog->len == 0) {
        return;
    }
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0) {
        child_fail("unable to start container process: error loading seccomp filter into kernel: %s", go_error(errno));
    }
}

static void set_caps(const struct spec *s) {
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    data[0].effective = (uint32_t) s->cap_effective;
    data[1].effective = (uint32_t) (s->cap_effective >> 32);
    data[0].permitted = (uint32_t) s->cap_permitted;
    data[1].permitted = (uint32_t) (s->cap_permitted >> 32);
    data[0].inheritable = (uint32_t) s->cap_inheritable;
    data[1].inheritable = (uint32_t) (s->cap_inheritable >> 32);
    if (syscall(SYS_capset, &hdr, data) < 0) {
        child_fail("unable to start container process: capset: %s", go_error(errno));
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    for (int c = 0; c < 64; c++) {
        if ((s->cap_ambient >> c) & 1) {
            if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0) {
                child_fail("unable to start container process: raising ambient capability %d: %s", c, go_error(errno));
            }
        }
    }
}

static int last_cap(int proc) {
    int fd = openat(proc, "sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    char buf[16] = {0};
    if (fd < 0 || read(fd, buf, sizeof buf - 1) <= 0) {
        child_fail("unable to start container process: reading cap_last_cap: %s", go_error(errno));
    }
    close(fd);
    return atoi(buf);
}

static void set_user(const struct spec *s) {
    gid_t groups[256];
    int n = 0;
    if (s->groups != NULL && *s->groups) {
        const char *p = s->groups;
        while (*p && n < 256) {
            groups[n++] = (gid_t) strtoul(p, (char **) &p, 10);
            if (*p == ',') {
                p++;
            }
        }
    }
    if (setgroups((size_t) n, groups) < 0) {
        child_fail("unable to start container process: setgroups: %s", go_error(errno));
    }
    if (setresgid(s->gid, s->gid, s->gid) < 0) {
        child_fail("unable to start container process: setgid: %s", go_error(errno));
    }
    if (setresuid(s->uid, s->uid, s->uid) < 0) {
        child_fail("unable to start container process: setuid: %s", go_error(errno));
    }
}

/* Go's exec.LookPath with the process's PATH: a name with a slash as it is, else the first executable match. */
static const char *look_path(const char *file, char *const env[], char *buf, size_t cap) {
    struct stat st;
    if (strchr(file, '/') != NULL) {
        if (stat(file, &st) < 0) {
            child_fail("unable to start container process: exec: \"%s\": stat %s: %s", file, file, go_error(errno));
        }
        if (S_ISDIR(st.st_mode) || (st.st_mode & 0111) == 0) {
            child_fail("unable to start container process: exec: \"%s\": permission denied", file);
        }
        return file;
    }
    const char *path = "";
    for (int i = 0; env[i] != NULL; i++) {
        if (strncmp(env[i], "PATH=", 5) == 0) {
            path = env[i] + 5;
        }
    }
    const char *p = path;
    for (;;) {
        const char *end = strchr(p, ':');
        size_t dlen = end ? (size_t) (end - p) : strlen(p);
        if (dlen == 0) {
            snprintf(buf, cap, "./%s", file); /* an empty element is the working directory */
        } else {
            snprintf(buf, cap, "%.*s/%s", (int) dlen, p, file);
        }
        if (stat(buf, &st) == 0 && !S_ISDIR(st.st_mode) && (st.st_mode & 0111) != 0) {
            return buf;
        }
        if (end == NULL) {
            break;
        }
        p = end + 1;
    }
    child_fail("unable to start container process: exec: \"%s\": executable file not found in $PATH", file);
    return NULL;
}

/*
 * runc's HOME: when the environment has none (or an empty one), the user's home in the container's /etc/passwd,
 * else "/"; the first entry whose name or uid is the uid, as Go's user.GetExecUser matches a numeric user.
 */
static void set_home(struct spec *s) {
    int empty = -1;
    for (int i = 0; i < s->env_count; i++) {
        if (strncmp(s->env[i], "HOME=", 5) == 0) {
            if (s->env[i][5] != 0) {
                return;
            }
            empty = i; /* Go's Setenv replaces it where it stands */
        }
    }
    static char home[PATH_MAX + 6];
    snprintf(home, sizeof home, "HOME=/");
    /* a FIFO or device planted there must not hold the exec: only a regular file is read */
    int fd = open("/etc/passwd", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    FILE *f = NULL;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        f = fdopen(fd, "re");
    } else if (fd >= 0) {
        close(fd);
    }
    if (f != NULL) {
        char line[4096], uid[24];
        snprintf(uid, sizeof uid, "%u", (unsigned) s->uid);
        while (fgets(line, sizeof line, f) != NULL) {
            line[strcspn(line, "\n")] = 0;
            char *field[7] = {0};
            char *p = line;
            int n = 0;
            while (n < 7) {
                field[n++] = p;
                p = strchr(p, ':');
                if (p == NULL) {
                    break;
                }
                *p++ = 0;
            }
            if (n >= 6 && (strcmp(field[0], uid) == 0 || strcmp(field[2], uid) == 0)) {
                snprintf(home, sizeof home, "HOME=%s", field[5]);
                break;
            }
        }
        fclose(f);
    }
    if (empty >= 0) {
        s->env[empty] = home;
        return;
    }
    s->env[s->env_count++] = home;
    s->env[s->env_count] = NULL;
}

static void child(struct spec *s, int proc, int *cgroup_fds, int cgroup2, int cgroup_ns, struct sock_fprog *filter) {
    if (cgroup2 >= 0 && !joined_v2) {
        int fd = openat(cgroup2, "cgroup.procs", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) < 0) {
            child_fail("unable to start container process: joining cgroup %s: %s", s->cgroup2, go_error(errno));
        }
        close(fd);
    }
    if (cgroup2 >= 0) {
        close(cgroup2);
    }
    /*
     * The container's cgroups first, so that every later step already counts against its limits. A v1
     * hierarchy's tasks file moves this one thread (all there is) without the threadgroup lock, whose taking
     * waits out an RCU grace period (10-25 ms on a virtual machine), as a write to cgroup.procs does.
     */
    for (int i = 0; i < s->cgroup_count; i++) {
        if (write(cgroup_fds[i], "0", 1) < 0) {
            child_fail("unable to start container process: joining cgroup %s: %s", s->cgroups[i], go_error(errno));
        }
        close(cgroup_fds[i]);
    }
    if (cgroup_ns >= 0) {
        if (setns(cgroup_ns, CLONE_NEWCGROUP) < 0) {
            child_fail("unable to start container process: joining the cgroup namespace: %s", go_error(errno));
        }
        close(cgroup_ns);
    }
    if (s->keyring != NULL && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, s->keyring) < 0 && errno != ENOSYS) {
        child_fail("unable to start container process: unable to join session keyring: %s", go_error(errno));
    }
    if (s->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        child_fail("unable to start container process: prctl(PR_SET_NO_NEW_PRIVS): %s", go_error(errno));
    }
    if (!s->nnp) {
        install_seccomp(filter);
    }
    int last = last_cap(proc);
    for (int c = 0; c <= last; c++) {
        if (!((s->cap_bounding >> c) & 1) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL) {
            child_fail("unable to start container process: dropping capability %d from the bounding set: %s", c, go_error(errno));
        }
    }
    set_home(s);
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
        child_fail("unable to start container process: prctl(PR_SET_KEEPCAPS): %s", go_error(errno));
    }
    set_user(s);
    if (chdir(s->cwd) < 0) {
        child_fail("unable to start container process: chdir to cwd (\"%s\") set in config.json failed: %s", s->cwd, go_error(errno));
    }
    set_caps(s);
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    if (s->apparmor != NULL) {
        char attr[4200];
        snprintf(attr, sizeof attr, "exec %s", s->apparmor);
        int fd = openat(proc, "self/attr/apparmor/exec", O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            fd = openat(proc, "self/attr/exec", O_WRONLY | O_CLOEXEC);
        }
        if (fd < 0 || write(fd, attr, strlen(attr)) < 0) {
            child_fail("unable to start container process: apply apparmor profile: apparmor failed to apply profile: %s", go_error(errno));
        }
        close(fd);
    }
    char buf[PATH_MAX + 256];
    const char *name = look_path(s->args[0], s->env, buf, sizeof buf);
    if (s->nnp) {
        install_seccomp(filter);
    }
    close(proc);
    /* nothing of ours goes to the command but its stdio; the status pipe closes as execve succeeds */
    if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
        for (int fd = 3; fd < 1024; fd++) {
            if (fd != status_fd) {
                close(fd);
            }
        }
    }
    execve(name, s->args, s->env);
    child_fail("unable to start container process: exec %s: %s", name, go_error(errno));
}

/* ---- exec mode: the parent ---- */

static pid_t child_pid;

static void forward(int sig) {
    if (child_pid > 0) {
        kill(child_pid, sig);
    }
}

static void write_pidfile(int dir, const char *name, pid_t pid) {
    char tmp[PATH_MAX], val[32];
    snprintf(tmp, sizeof tmp, ".%s.tmp", name);
    int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int n = snprintf(val, sizeof val, "%d", pid);
    if (fd < 0 || write(fd, val, (size_t) n) != n || close(fd) < 0 || renameat(dir, tmp, dir, name) < 0) {
        kill(pid, SIGKILL);
        fail("writing the pid file: %s", go_error(errno));
    }
}

/*
 * Limits and the OOM score go on the parent, on the host and before any setns (raising a hard limit or
 * lowering the score needs CAP_SYS_RESOURCE, which a user namespace would take away); the child inherits them,
 * as runc's process gets them from its parent's prlimit and nsexec's write.
 */
static void set_limits(const struct spec *s) {
    for (int i = 0; i < s->rlimit_count; i++) {
        int res;
        unsigned long long soft, hard;
        if (sscanf(s->rlimits[i], "%d:%llu:%llu", &res, &soft, &hard) != 3) {
            fail("spec: bad rlimit %s", s->rlimits[i]);
        }
        struct rlimit rl = {(rlim_t) soft, (rlim_t) hard};
        if (setrlimit(res, &rl) < 0) {
            fail("exec failed: unable to start container process: error setting rlimit type %d: %s", res, go_error(errno));
        }
    }
    if (s->oom != NULL) {
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, s->oom, strlen(s->oom)) < 0) {
            fail("exec failed: unable to start container process: setting oom_score_adj: %s", go_error(errno));
        }
        close(fd);
    }
}

/*
 * fork(), the child born in the v2 cgroup {@code dir} (CLONE_INTO_CGROUP): no migration, so no threadgroup lock
 * and no grace period. A kernel before 5.7 forks plainly and the child writes cgroup.procs instead.
 */
static pid_t spawn_into(int dir) {
    if (dir >= 0) {
        struct clone_args args;
        memset(&args, 0, sizeof args);
        args.flags = CLONE_INTO_CGROUP;
        args.exit_signal = SIGCHLD;
        args.cgroup = (uint64_t) dir;
        long pid = syscall(SYS_clone3, &args, sizeof args);
        if (pid >= 0 || (errno != ENOSYS && errno != E2BIG && errno != EINVAL)) {
            return (pid_t) pid;
        }
        joined_v2 = 0;
    }
    return fork();
}

/*
 * The namespaces just opened are the container's only if its init is still the process runc started: "PID:START"
 * (START its start time in clock ticks, /proc/PID/stat's field 22, as runc records it). Checked after opening
 * them, so a pid reused in between is caught too.
 */
static void check_init(const char *init) {
    long pid;
    unsigned long long want, start = 0;
    if (sscanf(init, "%ld:%llu", &pid, &want) != 2) {
        fail("spec: bad init %s", init);
    }
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0) {
        close(fd);
    }
    char *p = n > 0 ? (buf[n] = 0, strrchr(buf, ')')) : NULL;
    for (int field = 2; p != NULL && field < 22; field++) {
        p = strchr(p + 1, ' ');
    }
    if (p == NULL || sscanf(p + 1, "%llu", &start) != 1 || start != want) {
        fail("exec failed: unable to start container process: the container's init (pid %ld) is gone", pid);
    }
}

static int exec_mode(const char *spec_path) {
    struct spec s;
    parse_spec(spec_path, &s);
    if (s.log != NULL) {
        log_fd = open(s.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    }
    struct sock_fprog filter = {0, NULL};
    if (s.seccomp != NULL) {
        size_t len;
        char *bpf = read_file(s.seccomp, &len);
        if (len == 0 || len % sizeof(struct sock_filter) != 0 || len / sizeof(struct sock_filter) > BPF_MAXINSNS) {
            fail("seccomp filter %s: not a filter program", s.seccomp);
        }
        filter.len = (unsigned short) (len / sizeof(struct sock_filter));
        filter.filter = (struct sock_filter *) bpf;
    }
    /* everything on the host is opened before the first setns: afterwards its paths are the container's */
    int ns_fds[16];
    for (int i = 0; i < s.ns_count; i++) {
        ns_fds[i] = open(s.ns_path[i], O_RDONLY | O_CLOEXEC);
        if (ns_fds[i] < 0) {
            fail("exec failed: unable to start container process: open %s: %s", s.ns_path[i], go_error(errno));
        }
    }
    if (s.init != NULL) {
        check_init(s.init);
    }
    int cgroup_fds[64];
    for (int i = 0; i < s.cgroup_count; i++) {
        cgroup_fds[i] = open(s.cgroups[i], O_WRONLY | O_CLOEXEC);
        if (cgroup_fds[i] < 0) {
            fail("exec failed: unable to start container process: open %s: %s", s.cgroups[i], go_error(errno));
        }
    }
    int cgroup2 = -1;
    if (s.cgroup2 != NULL) {
        cgroup2 = open(s.cgroup2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cgroup2 < 0) {
            fail("exec failed: unable to start container process: open %s: %s", s.cgroup2, go_error(errno));
        }
    }
    int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int pid_dir = -1;
    const char *pid_name = NULL;
    if (s.pidfile != NULL) {
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s", s.pidfile);
        char *slash = strrchr(dir, '/');
        if (slash == NULL) {
            fail("the pid file must be an absolute path: %s", s.pidfile);
        }
        *slash = 0;
        pid_dir = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        pid_name = strrchr(s.pidfile, '/') + 1;
        if (pid_dir < 0) {
            fail("open %s: %s", dir, go_error(errno));
        }
    }
    if (proc < 0) {
        fail("open /proc: %s", go_error(errno));
    }
    set_limits(&s);
    /* no process of the container may ptrace us or our child before it is the container's command */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    int cgroup_ns = -1;
    for (int i = 0; i < s.ns_count; i++) {
        if (ns_flag(s.ns_type[i]) == CLONE_NEWCGROUP) {
            cgroup_ns = ns_fds[i]; /* the child's, once it is in the container's cgroups (as runc's nsexec) */
            continue;
        }
        if (setns(ns_fds[i], ns_flag(s.ns_type[i])) < 0) {
            fail("exec failed: unable to start container process: joining the %s namespace: %s", s.ns_type[i], go_error(errno));
        }
        close(ns_fds[i]);
    }
    int status[2];
    if (pipe2(status, O_CLOEXEC) < 0) {
        fail("pipe: %s", go_error(errno));
    }
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    child_pid = spawn_into(cgroup2);
    if (child_pid < 0) {
        fail("exec failed: unable to start container process: fork: %s", go_error(errno));
    }
    if (child_pid == 0) {
        for (int sig = 1; sig < NSIG; sig++) {
            signal(sig, SIG_DFL);
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
        close(status[0]);
        status_fd = status[1];
        child(&s, proc, cgroup_fds, cgroup2, cgroup_ns, &filter);
    }
    /* signals berthd sends (a resize, a stop) are the command's */
    struct sigaction sa = {0};
    sa.sa_handler = forward;
    sa.sa_flags = SA_RESTART;
    int forwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) {
        sigaction(forwarded[i], &sa, NULL);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(status[1]);
    if (cgroup_ns >= 0) {
        close(cgroup_ns);
    }
    for (int i = 0; i < s.cgroup_count; i++) {
        close(cgroup_fds[i]);
    }
    if (pid_dir >= 0) {
        write_pidfile(pid_dir, pid_name, child_pid);
    }
    char msg[2048];
    ssize_t n;
    size_t got = 0;
    while ((n = read(status[0], msg + got, sizeof msg - 1 - got)) != 0) {
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            break;
        }
        got += (size_t) n;
        if (got == sizeof msg - 1) {
            break;
        }
    }
    int st;
    if (got > 0) {
        msg[got] = 0;
        while (waitpid(child_pid, &st, 0) < 0 && errno == EINTR) {
        }
        fail("exec failed: %s", msg);
    }
    while (waitpid(child_pid, &st, 0) < 0) {
        if (errno != EINTR) {
            fail("waiting for the process: %s", go_error(errno));
        }
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- dump-seccomp mode ---- */

static int dump_seccomp(const char *pid_arg) {
    pid_t pid = (pid_t) atoi(pid_arg);
    if (pid <= 0) {
        fail("not a pid: %s", pid_arg);
    }
    /* a frozen process never stops for us: then this process dies, which detaches it, and berthd runs runc */
    alarm(5);
    if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0) {
        fail("ptrace(PTRACE_SEIZE, %d): %s", pid, go_error(errno));
    }
    if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0) {
        fail("ptrace(PTRACE_INTERRUPT, %d): %s", pid, go_error(errno));
    }
    int st;
    while (waitpid(pid, &st, __WALL) < 0) {
        if (errno != EINTR) {
            fail("waiting for %d to stop: %s", pid, go_error(errno));
        }
    }
    /* index 0 is the newest filter; runc's is the oldest, whatever the process added on top */
    long oldest = -1, count = 0;
    for (long i = 0;; i++) {
        long n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *) i, NULL);
        if (n < 0) {
            break;
        }
        oldest = i;
        count = n;
    }
    int err = errno;
    struct sock_filter *prog = NULL;
    if (oldest >= 0) {
        prog = calloc((size_t) count, sizeof *prog);
        if (prog == NULL || ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *) oldest, prog) != count) {
            err = errno;
            free(prog);
            prog = NULL;
        }
    }
    ptrace(PTRACE_DETACH, pid, 0, 0);
    if (oldest < 0) {
        if (err == ENOENT || err == EINVAL) {
            return 3; /* no filter */
        }
        fail("ptrace(PTRACE_SECCOMP_GET_FILTER, %d): %s", pid, go_error(err));
    }
    if (prog == NULL) {
        fail("reading the seccomp filter of %d: %s", pid, go_error(err));
    }
    size_t len = (size_t) count * sizeof *prog, off = 0;
    while (off < len) {
        ssize_t n = write(1, (char *) prog + off, len - off);
        if (n <= 0) {
            fail("writing the filter: %s", go_error(errno));
        }
        off += (size_t) n;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "exec") == 0) {
        run_sealed(argv);
        return exec_mode(argv[2]);
    }
    if (argc == 3 && strcmp(argv[1], "dump-seccomp") == 0) {
        return dump_seccomp(argv[2]);
    }
    fprintf(stderr, "usage: berth-nsexec exec SPEC | berth-nsexec dump-seccomp PID\n");
    return 2;
}
