package io.berth.runtime.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class CgroupStatsTest {
  @Test
  void v1BlkioSumsReadAndWritePerDeviceAndSkipsTheTotal() {
    String text = """
        8:16 Read 4096
        8:16 Write 12288
        8:16 Sync 16384
        8:16 Async 0
        8:16 Discard 0
        8:16 Total 16384
        254:0 Read 1
        254:0 Write 2
        Total 16387
        """;
    assertEquals(List.of(new CgroupStats.DeviceIo(8, 16, 4096, 12288), new CgroupStats.DeviceIo(254, 0, 1, 2)),
        CgroupStats.parseV1Io(text));
    assertEquals(List.of(), CgroupStats.parseV1Io("Total 0\n"), "no device yet");
  }

  @Test
  void v2IoStatReadsRbytesAndWbytesAndSkipsJunk() {
    assertEquals(List.of(new CgroupStats.DeviceIo(259, 0, 100, 200)),
        CgroupStats.parseV2Io("259:0 rbytes=100 wbytes=200 rios=3 wios=4 dbytes=0 dios=0\nnonsense\n"));
  }
}
