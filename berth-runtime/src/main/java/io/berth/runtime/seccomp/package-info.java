/**
 * Seccomp: compiles the OCI {@code linux.seccomp} section into a classic BPF program
 * ({@link io.berth.runtime.seccomp.SeccompCompiler}) and provides the default profile
 * ({@link io.berth.runtime.seccomp.DefaultSeccompProfile}). Pure Java, no libseccomp and no
 * system calls: loading the program is the native init stage's job, which receives the bytes and
 * the {@code SECCOMP_FILTER_FLAG_*} bits.
 *
 * <p>The syscall tables ({@code syscalls-<arch>.txt} next to this package in the resources, one
 * {@code name number} per line) are facts taken from the kernel UAPI headers of Debian's
 * linux-libc-dev 6.1 on the build machine: a throw-away C program included each header and printed
 * every {@code __NR_*} macro that is defined. x86_64, i386 and x32 come from
 * {@code asm/unistd_64.h}, {@code unistd_32.h} and {@code unistd_x32.h} (x32 numbers include
 * {@code __X32_SYSCALL_BIT}, as the kernel reports them). aarch64 comes from
 * {@code asm-generic/unistd.h} compiled as arm64's {@code asm/unistd.h} configures it:
 * {@code __BITS_PER_LONG 64} with {@code __ARCH_WANT_RENAMEAT}, {@code _NEW_STAT},
 * {@code _SET_GET_RLIMIT}, {@code _TIME32_SYSCALLS}, {@code _SYS_CLONE3} and
 * {@code _MEMFD_SECRET}. To add syscalls of a newer kernel, regenerate the same way from newer
 * headers; nothing is downloaded.
 */
package io.berth.runtime.seccomp;
