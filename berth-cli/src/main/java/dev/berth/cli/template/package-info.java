/**
 * Go's text/template as the docker CLI uses it for {@code --format}, evaluated over Jackson JSON trees:
 * {@link dev.berth.cli.template.GoTemplate} (parse once, execute many), the function set
 * {@link dev.berth.cli.template.TemplateFunctions} (Go builtins plus docker's json, join, split, lower, upper, title,
 * pad, truncate; extra functions and {@code .Method arg} methods can be added), Go's fmt/strconv/json output
 * ({@link dev.berth.cli.template.GoFormat}, {@link dev.berth.cli.template.GoJson}) and docker inspect's rendering of
 * null fields ({@link dev.berth.cli.template.DockerNulls}). Checked against docker 28 with bench/template-diff.sh.
 */
package dev.berth.cli.template;
