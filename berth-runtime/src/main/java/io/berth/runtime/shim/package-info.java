/**
 * The Java side of berth-shim, the small native monitor that each container runs under (conmon's
 * role): {@link io.berth.runtime.shim.ShimLauncher} starts berth-init under a shim, {@link
 * io.berth.runtime.shim.ShimClient} attaches to a running one, and {@link
 * io.berth.runtime.shim.ExitStatus} and {@link io.berth.runtime.shim.CriLog} read what it leaves
 * on disk. Depends on the runtime's {@code Launcher} and on berth-sys; nothing here may depend on
 * the engine.
 */
package io.berth.runtime.shim;
