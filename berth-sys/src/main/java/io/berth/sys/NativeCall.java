package io.berth.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * One way to call every C function Berth's JVM side calls: the function's address, the errno
 * capture segment, then six integer-class arguments, returning a long. The call goes through
 * libberth-sys.so (JNI) when it is built, otherwise through one foreign-linker downcall handle.
 *
 * <p>Each distinct function descriptor costs a cold JVM a generated stub and its method-handle
 * forms, about 5 ms apiece even with the AOT cache, and the linker itself costs ~20 ms before its
 * first call; the JNI library costs neither. On x86-64 and AArch64 integer and pointer arguments
 * travel in the same six registers whatever their C type: an int or short argument is read from
 * the low bits, an int result is the low 32 bits of the long ({@code (int) call(...)}), and
 * arguments a function does not take are ignored. Pointers are passed as {@link
 * MemorySegment#address()} of native segments that the caller keeps alive for the call.
 * Functions with floating-point or struct arguments do not fit and must not be called this way.
 */
public final class NativeCall {
  /** The errno capture segment every call takes: the int errno, as the foreign linker lays it out. */
  public static final StructLayout STATE = MemoryLayout.structLayout(JAVA_INT.withName("errno"));

  /**
   * Whether calls go through libberth-sys.so (JNI). A cold JVM links its two native methods at
   * once, where the foreign linker (the fallback, when the library is not built or not found)
   * spends ~20 ms on its stubs and method-handle forms: a tenth of a one-shot {@code berth run}.
   */
  static final boolean JNI = loadLibrary();

  private static boolean loadLibrary() {
    String lib = System.getProperty("berth.sys.lib");
    if (lib == null || lib.isEmpty() || !new java.io.File(lib).isFile()) {
      return false;
    }
    try {
      System.load(lib);
      return true;
    } catch (UnsatisfiedLinkError e) {
      return false;
    }
  }

  private static native long call0(long fn, long state, long a, long b, long c, long d, long e, long f);

  private static native long symbol0(String name);

  /** The foreign linker's handle, made only when the library is not there. */
  static final class Ffm {
    private static final Linker LINKER = Linker.nativeLinker();
    static final SymbolLookup LIBC = LINKER.defaultLookup();
    static final MethodHandle CALL =
        LINKER.downcallHandle(
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.captureCallState("errno"));

    static {
      if (Linker.Option.captureStateLayout().byteSize() > STATE.byteSize()) {
        throw new IllegalStateException("the capture state is larger than errno on this platform");
      }
    }

    static long call(MemorySegment fn, MemorySegment state, long a, long b, long c, long d, long e, long f)
        throws Throwable {
      return (long) CALL.invokeExact(fn, state, a, b, c, d, e, f);
    }
  }

  private NativeCall() {}

  /** The address of a C library function; UnsatisfiedLinkError when there is none. */
  public static MemorySegment symbol(String name) {
    if (JNI) {
      long address = symbol0(name);
      if (address == 0) {
        throw new UnsatisfiedLinkError(name);
      }
      return MemorySegment.ofAddress(address);
    }
    return Ffm.LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name));
  }

  /** Calls {@code fn} with six arguments (pass 0 for those it does not take); errno lands in {@code state}. */
  public static long call(MemorySegment fn, MemorySegment state, long a, long b, long c, long d, long e, long f)
      throws Throwable {
    if (JNI) {
      if (state.byteSize() < STATE.byteSize() || !state.isNative()) {
        throw new IllegalArgumentException("the state segment must be native and hold errno");
      }
      return call0(fn.address(), state.address(), a, b, c, d, e, f);
    }
    return Ffm.call(fn, state, a, b, c, d, e, f);
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
    return state.get(JAVA_INT, 0L);
  }
}
