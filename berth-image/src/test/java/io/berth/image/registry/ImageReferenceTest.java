package io.berth.image.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Docker's normalization rules, as a table. */
class ImageReferenceTest {

    private static final String D = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    @ParameterizedTest(name = "{0}")
    @CsvSource(nullValues = "-", value = {
        // input                                   registry          repository            tag        digest
        "busybox,                                  docker.io,        library/busybox,      latest,    -",
        "busybox:1.36,                             docker.io,        library/busybox,      1.36,      -",
        "library/busybox,                          docker.io,        library/busybox,      latest,    -",
        "docker.io/busybox,                        docker.io,        library/busybox,      latest,    -",
        "index.docker.io/busybox,                  docker.io,        library/busybox,      latest,    -",
        "index.docker.io/user/app:v2,              docker.io,        user/app,             v2,        -",
        "user/app,                                 docker.io,        user/app,             latest,    -",
        "quay.io/podman/stable,                    quay.io,          podman/stable,        latest,    -",
        "127.0.0.1:5000/foo/bar:1.0,               127.0.0.1:5000,   foo/bar,              1.0,       -",
        "localhost/foo,                            localhost,        foo,                  latest,    -",
        "localhost:5000/foo:tag_1.x-y,             localhost:5000,   foo,                  tag_1.x-y, -",
        "[::1]:5000/foo,                           [::1]:5000,       foo,                  latest,    -",
        "example.com/a/b/c/d,                      example.com,      a/b/c/d,              latest,    -",
        "registry.example.com/a.b_c__d-e---f,      registry.example.com, a.b_c__d-e---f,   latest,    -",
        // "host" has no dot or port: it is part of a Docker Hub repository path, not a registry.
        "host/repo@" + D + ",                      docker.io,        host/repo,            -,         " + D,
        "myhost.lan/repo@" + D + ",                myhost.lan,       repo,                 -,         " + D,
        "busybox@" + D + ",                        docker.io,        library/busybox,      -,         " + D,
        "h.io/repo:1@" + D + ",                    h.io,             repo,                 1,         " + D,
        // A lone name with a port-like suffix is a tag on Docker Hub, as docker reads it.
        "localhost:5000,                           docker.io,        library/localhost,    5000,      -",
        // An uppercase first component can only be a host.
        "Foo/bar,                                  Foo,              bar,                  latest,    -",
    })
    void parses(String input, String registry, String repository, String tag, String digest) {
        ImageReference ref = ImageReference.parse(input);
        assertEquals(new ImageReference(registry, repository, tag, digest), ref);
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @CsvSource(delimiter = '|', value = {
        "''                          | empty name",
        "Busybox                     | repository name must be lowercase",
        "docker.io/Library/busybox   | repository name must be lowercase",
        "quay.io/Org/App             | repository name must be lowercase",
        "busybox:-bad                | tag \"-bad\"",
        "busybox:a/b                 | \"busybox:a\" is not a valid registry host",
        "busybox:has space           | tag \"has space\"",
        "busybox:" + "x" + "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789 | tag",
        "busybox@sha256:abc          | not of the form algorithm:hex",
        "busybox@sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA | 64 lowercase",
        "foo//bar                    | repository path component \"\"",
        "foo/-bar                    | repository path component \"-bar\"",
        "foo/bar.                    | repository path component \"bar.\"",
        "ex_ample.com/foo            | \"ex_ample.com\" is not a valid registry host",
        "-host.io/foo                | not a valid registry host",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | image ID",
        ":latest                     | empty repository name",
    })
    void refuses(String input, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageReference.parse(input));
        assertTrue(e.getMessage().startsWith("invalid image reference \"" + input + "\": "), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void rendersAndReferences() {
        ImageReference tagged = ImageReference.parse("127.0.0.1:5000/foo:bar");
        assertEquals("127.0.0.1:5000/foo:bar", tagged.toString());
        assertEquals("foo:bar", tagged.shortName());
        assertEquals("bar", tagged.reference());
        ImageReference both = ImageReference.parse("h.io/r:t@" + D);
        assertEquals(D, both.reference(), "a digest pins the content, the tag is informational");
        assertEquals("h.io/r@" + D, both.withDigest(D).toString());
        assertEquals("docker.io/library/busybox:latest", ImageReference.parse("busybox").toString());
        assertThrows(IllegalArgumentException.class, () -> new ImageReference("h", "r", null, null));
    }
}
