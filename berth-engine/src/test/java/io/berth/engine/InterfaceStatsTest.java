package io.berth.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class InterfaceStatsTest {
  @Test
  void theTableOfNetDevWithoutLoopback() {
    String text = """
        Inter-|   Receive                                                |  Transmit
         face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
            lo:     168       2    0    0    0     0          0         0      168       2    0    0    0     0       0          0
          eth0:    1524      18    1    2    0     0          0         0      846       9    3    4    0     0       0          0
        """;
    assertEquals(List.of(new InterfaceStats("eth0", 1524, 18, 1, 2, 846, 9, 3, 4)), InterfaceStats.parse(text));
  }

  @Test
  void thisProcessHasAtLeastItsNamespacesLoopbackLeftOut() {
    assertTrue(InterfaceStats.of((int) ProcessHandle.current().pid()).stream().noneMatch(i -> i.name().equals("lo")));
    assertEquals(List.of(), InterfaceStats.of(Integer.MAX_VALUE), "no such process");
  }
}
