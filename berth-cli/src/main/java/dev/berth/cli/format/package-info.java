/**
 * docker's list output: {@link dev.berth.cli.format.TableFormat} ("table" formats with headers, one line per item
 * otherwise), Go's text/tabwriter ({@link dev.berth.cli.format.TabWriter}) and go-units sizes, durations and
 * short IDs ({@link dev.berth.cli.format.HumanUnits}).
 */
package dev.berth.cli.format;
