/**
 * Running containers with conmon and runc.
 *
 * <p>conmon is each container's parent: it holds the stdio, writes the k8s-file log and the exit
 * file, and serves attach; berthd can restart without the containers noticing. Facts this
 * package relies on, checked against conmon 2.1.6 and runc 1.1.5:
 * <ul>
 *   <li>conmon detaches before {@code runc create} finishes: creation succeeded once the pid file
 *       exists, failed if conmon is gone without one; runc's own error comes from its JSON log
 *       ({@code --log}), which is what Docker shows ("exec: \"x\": executable file not found").</li>
 *   <li>The attach socket is {@code <bundle>/attach}, often longer than a socket address may be;
 *       a short symlink under the exec root reaches it. Output written before conmon has
 *       <em>accepted</em> a connection never reaches that connection, so starters wait until
 *       conmon's socket count shows the accept before {@code runc start}.</li>
 *   <li>Closing any attach connection closes the container's stdin unless conmon runs with
 *       {@code --leave-stdin-open}; input therefore uses its own connection.</li>
 *   <li>The OOM marker is written to {@code --persist-dir}; without it there is none.</li>
 *   <li>Log rotation: at {@code --log-size-max} conmon replaces the live file by a new one
 *       ({@code <log>.tmp} renamed over it), which would delete the old one. It counts the bytes
 *       written since its own last replacement: a reopen asked for through the control FIFO
 *       ({@code "2 0 0"}) does not reset that count, so renaming the file away and asking for a
 *       reopen makes conmon throw away part of the next file. berthd therefore lets conmon rotate
 *       and keeps the old file through a hard link ({@link dev.berth.daemon.runtime.LogKeeper}).</li>
 *   <li>runc keeps a container's state in {@code <root>/<id>/state.json}; with no such directory
 *       there is nothing for {@code runc delete} to do. For an exited container that had its own
 *       PID namespace, {@code runc delete} only removes the cgroups listed there
 *       ({@code cgroup_paths}) and the directory, which berthd does itself on the exit path.</li>
 *   <li>After {@code runc create}, runc's init blocks opening {@code <root>/<id>/exec.fifo} for
 *       writing, then writes one byte and execs the process; {@code runc start} reads that byte
 *       and removes the FIFO (a container with the FIFO gone counts as running). runc 1.1 runs
 *       poststart hooks at create, not at start. berthd does the same read itself.</li>
 *   <li>A k8s-file record whose tag is {@code P} is a piece of a line its next records finish;
 *       when rotation drops the file holding the head, the next file starts with the rest.</li>
 * </ul>
 * runc brings the loopback up in a network namespace it creates (its loopback network), so no
 * hook or extra process is needed for it.
 */
package dev.berth.daemon.runtime;
