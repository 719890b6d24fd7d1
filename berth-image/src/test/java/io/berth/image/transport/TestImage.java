package io.berth.image.transport;

import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.Manifest;
import io.berth.image.spec.MediaTypes;
import io.berth.image.store.ContentStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** A small real image: two gzip'd tar layers, a config with their diff_ids, an OCI manifest. */
record TestImage(Digest manifest, Descriptor config, List<Descriptor> layers, List<Digest> diffIds) {

  static TestImage put(ContentStore store) throws IOException {
    byte[] tar1 = tar(Map.of("etc/hostname", "berth\n", "bin/hello", "#!/bin/sh\necho hello\n"));
    byte[] tar2 = tar(Map.of("etc/motd", "welcome\n"));
    List<Digest> diffIds = List.of(Digest.of(tar1), Digest.of(tar2));
    Descriptor layer1 = putBlob(store, MediaTypes.OCI_LAYER_TAR_GZIP, gzip(tar1));
    Descriptor layer2 = putBlob(store, MediaTypes.OCI_LAYER_TAR_GZIP, gzip(tar2));
    String configJson = "{\"architecture\":\"" + io.berth.image.spec.PlatformMatcher.hostPlatform().architecture()
        + "\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/hello\"]},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffIds.get(0) + "\",\"" + diffIds.get(1) + "\"]}}";
    Descriptor config = putBlob(store, MediaTypes.OCI_CONFIG, configJson.getBytes(StandardCharsets.UTF_8));
    byte[] manifest = ImageJson.toBytes(Manifest.oci(config, List.of(layer1, layer2)));
    Descriptor manifestDescriptor = putBlob(store, MediaTypes.OCI_MANIFEST, manifest);
    return new TestImage(manifestDescriptor.digest(), config, List.of(layer1, layer2), diffIds);
  }

  static Descriptor putBlob(ContentStore store, String mediaType, byte[] content) throws IOException {
    Descriptor descriptor = Descriptor.of(mediaType, content);
    store.put(new ByteArrayInputStream(content), descriptor.digest(), content.length);
    return descriptor;
  }

  static byte[] tar(Map<String, String> files) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      for (var file : new java.util.TreeMap<>(files).entrySet()) {
        byte[] content = file.getValue().getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(file.getKey(), true);
        entry.setSize(content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  static byte[] gzip(byte[] content) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
      gzip.write(content);
    }
    return bytes.toByteArray();
  }
}
