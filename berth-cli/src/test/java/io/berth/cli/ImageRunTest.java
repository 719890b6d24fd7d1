package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.image.layer.LayerUnpacker;
import io.berth.image.snapshot.Snapshotter;
import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageConfig;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.Manifest;
import io.berth.image.spec.MediaTypes;
import io.berth.image.store.ContentStore;
import io.berth.oci.DefaultSpec;
import io.berth.oci.Spec;
import io.berth.oci.SpecJson;
import io.berth.runtime.CreateOptions;
import io.berth.runtime.Libexec;
import io.berth.runtime.Runtime;
import io.berth.sys.Libc;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layers meet: an image made of busybox layers goes into the content store, is unpacked into
 * overlay snapshots, mounted as a container's root and run by the runtime, writes landing in the
 * container's upper directory only.
 */
public class ImageRunTest {
  @TempDir Path tmp;

  public static byte[][] busyboxLayers() throws Exception {
    ByteArrayOutputStream base = new ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(base)) {
      out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      TarArchiveEntry dir = new TarArchiveEntry("bin/");
      dir.setMode(040755);
      out.putArchiveEntry(dir);
      out.closeArchiveEntry();
      byte[] busybox = Files.readAllBytes(Path.of("/bin/busybox"));
      TarArchiveEntry bb = new TarArchiveEntry("bin/busybox");
      bb.setSize(busybox.length);
      bb.setMode(0100755);
      out.putArchiveEntry(bb);
      out.write(busybox);
      out.closeArchiveEntry();
      for (String applet : List.of("sh", "cat", "echo", "ls")) {
        TarArchiveEntry l = new TarArchiveEntry("bin/" + applet, TarArchiveEntry.LF_SYMLINK);
        l.setLinkName("busybox");
        out.putArchiveEntry(l);
        out.closeArchiveEntry();
      }
      for (String d : List.of("proc/", "dev/", "sys/", "tmp/", "etc/")) {
        TarArchiveEntry e = new TarArchiveEntry(d);
        e.setMode(040755);
        out.putArchiveEntry(e);
        out.closeArchiveEntry();
      }
    }
    ByteArrayOutputStream top = new ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(top)) {
      byte[] motd = "from the image's second layer\n".getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry e = new TarArchiveEntry("etc/motd");
      e.setSize(motd.length);
      e.setMode(0100644);
      out.putArchiveEntry(e);
      out.write(motd);
      out.closeArchiveEntry();
    }
    return new byte[][] {base.toByteArray(), top.toByteArray()};
  }

  public static byte[] gzip(byte[] data) throws Exception {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
      g.write(data);
    }
    return gz.toByteArray();
  }

  @Test
  void anImageRunsOnItsOverlaySnapshots() throws Exception {
    ContentStore store = new ContentStore(tmp.resolve("content"));
    byte[][] layers = busyboxLayers();
    StringBuilder diffIds = new StringBuilder();
    List<Descriptor> descriptors = new java.util.ArrayList<>();
    for (byte[] tar : layers) {
      byte[] gz = gzip(tar);
      descriptors.add(new Descriptor(MediaTypes.OCI_LAYER_TAR_GZIP, store.put(new ByteArrayInputStream(gz), Digest.of(gz), gz.length), gz.length));
      diffIds.append(diffIds.length() == 0 ? "" : ",").append('"').append(Digest.of(tar)).append('"');
    }
    byte[] configJson = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\",\"GREETING=hi\"],"
        + "\"Cmd\":[\"sh\",\"-c\",\"cat /etc/motd; echo $GREETING > /tmp/out; ls /tmp\"],\"WorkingDir\":\"/tmp\"},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}").getBytes(StandardCharsets.UTF_8);
    store.put(new ByteArrayInputStream(configJson), Digest.of(configJson), configJson.length);
    Manifest manifest = Manifest.oci(Descriptor.of(MediaTypes.OCI_CONFIG, configJson), descriptors);
    ImageConfig config = ImageJson.config(configJson);

    Snapshotter snapshots = new Snapshotter(tmp.resolve("snapshots"), new LayerUnpacker());
    List<Path> lowers = snapshots.prepare(store, manifest, config);
    Path ctr = Files.createDirectory(tmp.resolve("container"));
    Path rootfs = Snapshotter.mount(lowers, ctr);
    try {
      Spec d = DefaultSpec.create(false, 0, 0);
      Spec.Process p = d.process();
      ImageConfig.Config c = config.config();
      Spec spec = new Spec(d.ociVersion(), new Spec.Root(rootfs.toString(), false), d.mounts(),
          new Spec.Process(false, null, p.user(), c.cmd(), null, c.env(), c.workingDir(), p.capabilities(),
              p.rlimits(), true, null, null, null),
          "image-run", null, null, null, d.linux());
      Files.write(ctr.resolve("config.json"), SpecJson.toBytes(spec));

      Runtime.adoptContainers();
      Runtime rt = new Runtime(tmp.resolve("state"), Libexec.init(), m -> {});
      int[] out = Libc.pipe();
      int pid;
      try {
        pid = rt.run("image-run-" + ProcessHandle.current().pid(), ctr, CreateOptions.defaults().withStdio(new int[] {0, out[1], 2}));
      } finally {
        Libc.close(out[1]);
      }
      StringBuilder text = new StringBuilder();
      byte[] buf = new byte[4096];
      int n;
      while ((n = Libc.read(out[0], buf, 0, buf.length)) > 0) {
        text.append(new String(buf, 0, n, StandardCharsets.UTF_8));
      }
      Libc.close(out[0]);
      assertEquals(0, Runtime.waitFor(pid));
      rt.delete("image-run-" + ProcessHandle.current().pid(), true);
      assertEquals("from the image's second layer\nout\n", text.toString());
      assertEquals("hi\n", Files.readString(ctr.resolve("upper/tmp/out")), "the write landed in the upper dir");
      assertFalse(Files.exists(lowers.get(1).resolve("tmp/out")), "the snapshot is untouched");
      assertTrue(Files.exists(lowers.get(1).resolve("bin/busybox")));
    } finally {
      Snapshotter.unmount(rootfs);
    }
  }
}
