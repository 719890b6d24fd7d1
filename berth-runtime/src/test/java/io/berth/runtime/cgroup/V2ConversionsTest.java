package io.berth.runtime.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class V2ConversionsTest {
  @Test
  void cpuSharesMapOntoTheWeightRange() {
    assertEquals(1L, V2Conversions.cpuWeight(2L));
    assertEquals(39L, V2Conversions.cpuWeight(1024L));
    assertEquals(10000L, V2Conversions.cpuWeight(262144L));
    assertEquals(1L, V2Conversions.cpuWeight(1L), "below the v1 minimum clamps");
    assertEquals(10000L, V2Conversions.cpuWeight(1_000_000L), "above the v1 maximum clamps");
    assertNull(V2Conversions.cpuWeight(0L));
    assertNull(V2Conversions.cpuWeight(null));
  }

  @Test
  void blkioWeightsMapOntoIoWeight() {
    assertEquals(1, V2Conversions.ioWeight(10));
    assertEquals(4950, V2Conversions.ioWeight(500));
    assertEquals(10000, V2Conversions.ioWeight(1000));
  }

  @Test
  void swapIsMemoryPlusSwapMinusTheLimit() {
    assertEquals("1024", V2Conversions.swapMax(3072L, 2048L));
    assertEquals("0", V2Conversions.swapMax(2048L, 2048L));
    assertEquals("max", V2Conversions.swapMax(-1L, 2048L));
    assertEquals("max", V2Conversions.swapMax(null, -1L), "unlimited memory lifts the swap cap");
    assertNull(V2Conversions.swapMax(null, 2048L));
    assertNull(V2Conversions.swapMax(0L, null));
  }

  @Test
  void impossibleSwapValuesAreRejected() {
    assertThrows(CgroupException.class, () -> V2Conversions.swapMax(1024L, 2048L));
    assertThrows(CgroupException.class, () -> V2Conversions.swapMax(1024L, null));
    assertThrows(CgroupException.class, () -> V2Conversions.swapMax(1024L, -1L));
    assertThrows(CgroupException.class, () -> V2Conversions.swapMax(-5L, 2048L));
  }

  @Test
  void cpuMaxKeepsWhatIsNotGiven() {
    assertEquals("50000 100000", V2Conversions.cpuMax(50000L, 100000L, "max 100000"));
    assertEquals("max 250000", V2Conversions.cpuMax(-1L, 250000L, "20000 100000"));
    assertEquals("20000 250000", V2Conversions.cpuMax(null, 250000L, "20000 100000"));
    assertEquals("30000 100000", V2Conversions.cpuMax(30000L, null, null));
    assertNull(V2Conversions.cpuMax(0L, 0L, "max 100000"));
  }
}
