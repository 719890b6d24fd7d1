/**
 * A CNI runtime (the role libcni plays for podman, cri-o and containerd): it loads network
 * configuration lists, finds plugin executables on CNI_PATH and drives them through ADD, CHECK,
 * DEL, GC, STATUS and VERSION as the CNI specification describes, caching each attachment's
 * result so that CHECK, DEL and GC can hand it back. Plugins run through {@link
 * io.berth.network.PluginExec}, so everything here is testable without root. It owns no network
 * policy (which networks exist, which ports are published, DNS): that belongs to the engine. It
 * depends only on berth-oci, for the shared JSON mapper.
 */
package io.berth.network;
