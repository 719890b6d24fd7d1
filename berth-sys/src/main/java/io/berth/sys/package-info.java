/**
 * The Linux system calls that Berth's JVM side makes itself (fds, pipes and sockets, fd passing,
 * spawning the native stage, waiting, signals, mounts), through the FFM API with errno captured.
 * It holds no policy and depends on nothing of Berth. Calls a multithreaded process must not
 * make (unshare of a user namespace, setns into a pid namespace, fork) are not here: the native
 * stage makes them.
 */
package io.berth.sys;
