package io.berth.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class StatsTest {
  @Test
  void medianOfOddSampleIsTheMiddleValue() {
    assertEquals(3.0, Stats.of(new double[] {5, 1, 3, 4, 2}).median());
  }

  @Test
  void medianOfEvenSampleIsTheMeanOfTheMiddleTwo() {
    assertEquals(2.5, Stats.of(new double[] {4, 1, 3, 2}).median());
  }

  @Test
  void p90InterpolatesBetweenClosestRanks() {
    // 1..10: rank (10-1)*0.9 = 8.1 → 9 + 0.1*(10-9) = 9.1 (numpy's default).
    double[] s = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    assertEquals(9.1, Stats.of(s).p90(), 1e-9);
  }

  @Test
  void minMaxMeanAndSampleStddev() {
    Stats s = Stats.of(new double[] {2, 4, 4, 4, 5, 5, 7, 9});
    assertEquals(2, s.min());
    assertEquals(9, s.max());
    assertEquals(5, s.mean());
    assertEquals(Math.sqrt(32.0 / 7), s.stddev(), 1e-12);
    assertEquals(8, s.n());
  }

  @Test
  void singleSampleIsEveryStatistic() {
    Stats s = Stats.of(new double[] {1.5});
    assertEquals(1.5, s.median());
    assertEquals(1.5, s.p90());
    assertEquals(0, s.stddev());
  }

  @Test
  void doesNotReorderTheCallersArray() {
    double[] s = {3, 1, 2};
    Stats.of(s);
    assertEquals(3, s[0]);
  }

  @Test
  void emptySampleIsAnError() {
    assertThrows(IllegalArgumentException.class, () -> Stats.of(new double[0]));
  }

  @Test
  void jsonIsRoundedToTheMicrosecond() {
    assertEquals(1.235, Stats.of(new double[] {1.23456}).toJson().get("median_ms"));
  }
}
