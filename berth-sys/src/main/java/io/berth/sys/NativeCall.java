package io.berth.sys;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * One downcall handle for every C function Berth's JVM side calls: the function's address, the
 * errno capture segment, then six integer-class arguments, returning a long.
 *
 * <p>Each distinct function descriptor costs a cold JVM a generated stub and its method-handle
 * forms, about 5 ms apiece even with the AOT cache; a CLI command that linked one handle per
 * function spent a third of its time there. With one descriptor it links once. On x86-64 and
 * AArch64 integer and pointer arguments travel in the same six registers whatever their C type:
 * an int or short argument is read from the low bits, an int result is the low 32 bits of the
 * long ({@code (int) call(...)}), and arguments a function does not take are ignored. Pointers
 * are passed as {@link MemorySegment#address()} of native segments that the caller keeps alive
 * for the call. Functions with floating-point or struct arguments do not fit and must not be
 * called this way.
 */
public final class NativeCall {
  /** The layout of the errno capture segment every call takes. */
  public static final StructLayout STATE = Linker.Option.captureStateLayout();

  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final MethodHandle CALL =
      LINKER.downcallHandle(
          FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
          Linker.Option.captureCallState("errno"));

  private NativeCall() {}

  /** The address of a C library function; UnsatisfiedLinkError when there is none. */
  public static MemorySegment symbol(String name) {
    return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name));
  }

  /** Calls {@code fn} with six arguments (pass 0 for those it does not take); errno lands in {@code state}. */
  public static long call(MemorySegment fn, MemorySegment state, long a, long b, long c, long d, long e, long f)
      throws Throwable {
    return (long) CALL.invokeExact(fn, state, a, b, c, d, e, f);
  }

  /** {@link #call(MemorySegment, MemorySegment, long, long, long, long, long, long)} with fewer arguments. */
  public static long call(MemorySegment fn, MemorySegment state) throws Throwable {
    return call(fn, state, 0, 0, 0, 0, 0, 0);
  }

  public static long call(MemorySegment fn, MemorySegment state, long a) throws Throwable {
    return call(fn, state, a, 0, 0, 0, 0, 0);
  }

  public static long call(MemorySegment fn, MemorySegment state, long a, long b) throws Throwable {
    return call(fn, state, a, b, 0, 0, 0, 0);
  }

  public static long call(MemorySegment fn, MemorySegment state, long a, long b, long c) throws Throwable {
    return call(fn, state, a, b, c, 0, 0, 0);
  }

  public static long call(MemorySegment fn, MemorySegment state, long a, long b, long c, long d) throws Throwable {
    return call(fn, state, a, b, c, d, 0, 0);
  }

  public static long call(MemorySegment fn, MemorySegment state, long a, long b, long c, long d, long e)
      throws Throwable {
    return call(fn, state, a, b, c, d, e, 0);
  }

  /** The errno a call captured in {@code state}. */
  public static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }
}
