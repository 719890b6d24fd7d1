package io.berth.image.transport;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageConfig;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.InvalidImageException;
import io.berth.image.spec.Manifest;
import io.berth.image.spec.MediaTypes;
import io.berth.image.store.ContentStore;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads a docker-archive in one pass. {@code docker save} writes manifest.json last, so which
 * member is a layer is known only at the end: every member that may be a config or layer is
 * streamed into the store under the sha256 of its bytes, and manifest.json then says which is
 * which. A layer is accepted only if that sha256 is the diff_id its config lists.
 */
final class DockerArchiveReader {
  /** Legacy {@code docker save} metadata ({@code <id>/json}, VERSION, repositories), not needed. */
  private static final Set<String> IGNORED = Set.of("repositories", "VERSION", "json", "index.json", "oci-layout");
  private static final int MAX_LINKS = 8;

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Entry(
      @JsonProperty("Config") String config,
      @JsonProperty("RepoTags") List<String> repoTags,
      @JsonProperty("Layers") List<String> layers) {}

  private final Path tarFile;
  private final ContentStore store;
  private final String where;
  private final Map<String, Descriptor> members = new HashMap<>();
  private final Map<String, String> links = new HashMap<>();

  DockerArchiveReader(Path tarFile, ContentStore store) {
    this.tarFile = tarFile;
    this.store = store;
    this.where = "docker-archive " + tarFile;
  }

  List<ImageRef> read() {
    try {
      byte[] manifestJson = ingestMembers();
      if (manifestJson == null) {
        throw new TransportException(where + " has no manifest.json; is it a docker-archive?");
      }
      List<Entry> entries;
      try {
        entries = ImageJson.mapper().readValue(manifestJson, new TypeReference<List<Entry>>() {});
      } catch (IOException e) {
        throw new TransportException(where + ": manifest.json is not a list of images: " + e.getMessage(), e);
      }
      List<ImageRef> images = new ArrayList<>();
      for (Entry entry : entries) {
        images.add(image(entry));
      }
      return images;
    } catch (IOException e) {
      throw new TransportException(where + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** Streams the members into the store; returns manifest.json. */
  private byte[] ingestMembers() throws IOException {
    byte[] manifestJson = null;
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(tarFile), 1 << 16))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        String name = EntryNames.check(entry.getName(), where);
        if (entry.isSymbolicLink()) {
          // Old docker save links a layer it has already written: <id>/layer.tar -> ../<id2>/layer.tar
          links.put(name, EntryNames.resolveLink(name, entry.getLinkName(), where));
        } else if (entry.isLink()) {
          links.put(name, EntryNames.check(entry.getLinkName(), where));
        } else if (!entry.isFile() || IGNORED.contains(name.substring(name.lastIndexOf('/') + 1))) {
          continue;
        } else if (name.equals("manifest.json")) {
          manifestJson = Ingest.readDocument(tar, entry.getSize(), "manifest.json", where);
        } else {
          Digest digest = Ingest.copy(store, tar, null, entry.getSize(), where);
          members.put(name, new Descriptor(null, digest, entry.getSize()));
        }
      }
    }
    return manifestJson;
  }

  private ImageRef image(Entry entry) throws IOException {
    if (entry.config() == null || entry.layers() == null) {
      throw new TransportException(where + ": a manifest.json entry lacks Config or Layers");
    }
    Descriptor configBlob = member(entry.config());
    ImageConfig config;
    try {
      config = ImageJson.config(Ingest.storedDocument(store, configBlob, where));
    } catch (InvalidImageException e) {
      throw new TransportException(where + ": config \"" + entry.config() + "\": " + e.getMessage(), e);
    }
    List<Digest> diffIds = config.diffIds();
    if (diffIds.size() != entry.layers().size()) {
      throw new TransportException(where + ": manifest.json lists " + entry.layers().size()
          + " layers for \"" + entry.config() + "\" but the config lists " + diffIds.size() + " diff_ids");
    }
    List<Descriptor> layers = new ArrayList<>();
    for (int i = 0; i < diffIds.size(); i++) {
      Descriptor layer = member(entry.layers().get(i));
      if (!layer.digest().equals(diffIds.get(i))) {
        throw new TransportException(where + ": layer \"" + entry.layers().get(i)
            + "\" is not the diff_id the config lists (" + layer.digest() + ", expected " + diffIds.get(i) + ")");
      }
      layers.add(new Descriptor(MediaTypes.DOCKER_LAYER_TAR, layer.digest(), layer.size()));
    }
    Descriptor configDescriptor = new Descriptor(MediaTypes.DOCKER_CONFIG, configBlob.digest(), configBlob.size());
    byte[] manifest = ImageJson.toBytes(new Manifest(2, MediaTypes.DOCKER_MANIFEST, null, configDescriptor, layers, null, null));
    Digest digest = store.put(new ByteArrayInputStream(manifest), Digest.of(manifest), manifest.length);
    return new ImageRef(digest, entry.repoTags());
  }

  private Descriptor member(String rawName) {
    String name = EntryNames.check(rawName, where);
    for (int hops = 0; links.containsKey(name); hops++) {
      if (hops >= MAX_LINKS) {
        throw new TransportException(where + ": \"" + rawName + "\" is a chain of links more than " + MAX_LINKS + " long");
      }
      name = links.get(name);
    }
    Descriptor member = members.get(name);
    if (member == null) {
      throw new TransportException(where + ": manifest.json names \"" + rawName + "\", which the archive does not contain");
    }
    return member;
  }
}
