/**
 * Control groups for a container: finds how the host mounts cgroups (v1, hybrid or v2), creates the
 * container's cgroup directories, translates {@link io.berth.oci.Resources} into control-file
 * writes, moves processes in, freezes, reports usage and removes what it created. It works with
 * plain file I/O on the cgroup filesystems and knows nothing of namespaces or container state; the
 * runtime persists {@link io.berth.runtime.cgroup.Cgroup#paths()} and rebuilds the cgroup with
 * {@link io.berth.runtime.cgroup.Cgroup#load(java.util.Map)}. It depends on berth-oci only.
 *
 * <p>What the host cannot do is handled by one rule: a setting whose absence cannot loosen a limit
 * the caller relies on is ignored with a warning on the {@code System.Logger} of the writing class;
 * anything else fails with a {@link io.berth.runtime.cgroup.CgroupException} naming the file and
 * value. Ignored with a warning: kernel memory limits (v1 and v2), kernelTCP when its file is
 * missing, net_cls/net_prio when not mounted or on v2, and on v2 swappiness, disableOOMKiller and
 * leaf weights. The one exception to the rule: device rules on v2 are ignored with a warning too,
 * because v2 enforces them only through an eBPF program, which is not loaded here; on a v2 host the
 * device cgroup therefore restricts nothing. Errors: realtime CPU on v2, unified entries on a pure
 * v1 host, a blkio weight with neither CFQ's nor BFQ's file, and on v1 without swap accounting a
 * memory.swap other than -1 or the memory limit itself (those two ask for no cap beyond
 * memory.limit_in_bytes, so they pass silently). A value of 0 counts as "not set" for limits, as
 * Go-based tools send it.
 */
package io.berth.runtime.cgroup;
