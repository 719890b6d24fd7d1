package io.berth.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.engine.ContainerSpec;
import io.berth.oci.SpecJson;
import io.berth.server.HttpException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CreateRequestTest {
  @TempDir Path dir;

  CreateRequest parse(String json, String name) throws Exception {
    JsonNode n = SpecJson.mapper().readTree(json);
    return CreateRequest.parse(n, name, CreateRequest.profilesIn(dir));
  }

  @Test
  void whatTheDockerCliSendsForARun() throws Exception {
    // docker run -it --rm --name x -e A=1 -w /tmp -u 1000 -l k=v --init --read-only --cap-add NET_ADMIN
    //   --cap-drop ALL --memory 64m --cpus 1.5 --pids-limit 50 --restart on-failure:3 --ulimit nofile=10:20
    //   --sysctl net.ipv4.ip_forward=1 --tmpfs /run:size=1m -v /data -v /host:/in:ro --log-opt max-size=1m
    //   --log-opt max-file=2 --stop-signal SIGINT --stop-timeout 3 --health-cmd true --network none
    CreateRequest r = parse("""
        {"Hostname":"h","Domainname":"example.org","User":"1000","AttachStdin":true,"AttachStdout":true,
         "AttachStderr":true,"ExposedPorts":{"80/tcp":{}},"Tty":true,"OpenStdin":true,"StdinOnce":true,
         "Env":["A=1"],"Cmd":["sh"],"Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":2000000000},
         "Image":"busybox","Volumes":{"/data":{}},"WorkingDir":"/tmp","Entrypoint":null,"Labels":{"k":"v"},
         "StopSignal":"SIGINT","StopTimeout":3,
         "HostConfig":{"Binds":["/host:/in:ro"],"LogConfig":{"Type":"","Config":{"max-size":"1m","max-file":"2"}},
           "NetworkMode":"none","PortBindings":{},"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3},
           "AutoRemove":true,"CapAdd":["CAP_NET_ADMIN"],"CapDrop":["ALL"],"Dns":[],"DnsOptions":[],"DnsSearch":[],
           "ExtraHosts":null,"Privileged":false,"ReadonlyRootfs":true,"SecurityOpt":null,"Tmpfs":{"/run":"size=1m"},
           "Memory":67108864,"NanoCpus":1500000000,"PidsLimit":50,"Init":true,
           "Ulimits":[{"Name":"nofile","Hard":20,"Soft":10}],"Sysctls":{"net.ipv4.ip_forward":"1"},
           "Devices":[{"PathOnHost":"/dev/null","PathInContainer":"/dev/nul2","CgroupPermissions":"rwm"}]},
         "NetworkingConfig":{"EndpointsConfig":{}}}
        """, "/x");
    ContainerSpec s = r.spec();
    assertEquals("busybox", s.image());
    assertEquals("x", s.name(), "the leading / of a Docker name goes");
    assertEquals(List.of("sh"), s.cmd());
    assertNull(s.entrypoint(), "null: the image's");
    assertEquals(List.of("A=1"), s.env());
    assertEquals("1000", s.user());
    assertEquals("/tmp", s.workingDir());
    assertTrue(s.tty() && s.openStdin() && s.autoRemove() && s.readOnly() && s.init());
    assertEquals(Map.of("k", "v"), s.labels());
    assertEquals("h", s.hostname());
    assertEquals("on-failure:3", s.restart());
    assertEquals(List.of("/host:/in:ro", "/data"), s.binds(), "Config.Volumes become anonymous volumes");
    assertEquals(List.of("/run:size=1m"), s.tmpfs());
    assertEquals(List.of("CAP_NET_ADMIN"), s.capAdd());
    assertEquals(List.of("ALL"), s.capDrop());
    assertEquals(64L << 20, s.memory());
    assertEquals(1.5, s.cpus());
    assertEquals(50, s.pidsLimit());
    assertEquals(List.of("nofile=10:20"), s.ulimits());
    assertEquals(Map.of("net.ipv4.ip_forward", "1"), s.sysctls());
    assertEquals(List.of("/dev/null:/dev/nul2:rwm"), s.devices());
    assertEquals("none", s.network());
    assertEquals("SIGINT", s.stopSignal());
    assertEquals(3, s.stopTimeout());
    assertEquals(List.of("CMD-SHELL", "true"), s.health().test());
    assertEquals(2_000_000_000L, s.health().interval());
    assertEquals(1L << 20, s.logMaxSize());
    assertEquals(2, s.logMaxFiles());
    DockerExtras x = r.extras();
    assertTrue(x.stdinOnce() && x.attachStdin());
    assertEquals(List.of("80/tcp"), x.exposedPorts());
    assertEquals("example.org", x.domainname());
    assertEquals(List.of("/data"), x.volumes());
  }

  @Test
  void mountsBecomeMountSpecsAndAnEmptyEntrypointClearsTheImages() throws Exception {
    CreateRequest r = parse("""
        {"Image":"busybox","Entrypoint":[""],"HostConfig":{"Mounts":[
          {"Type":"bind","Source":"/srv","Target":"/srv","ReadOnly":true,"BindOptions":{"Propagation":"rslave"}},
          {"Type":"volume","Source":"named","Target":"/v"},
          {"Type":"volume","Target":"/anon"},
          {"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":1048576,"Mode":1023}}]}}
        """, null);
    assertEquals(List.of(), r.spec().entrypoint());
    assertEquals(List.of("type=bind,source=/srv,target=/srv,readonly,bind-propagation=rslave",
        "type=volume,source=named,target=/v", "type=tmpfs,target=/t,tmpfs-size=1048576,tmpfs-mode=1777"), r.spec().mounts());
    assertEquals(List.of("/anon"), r.spec().binds());
    assertNull(r.spec().name());
    assertNull(r.spec().network(), "Docker's default network: Berth's default CNI network");
    assertEquals(List.of(io.berth.engine.ContainerSpec.Attach.of("berth")), r.spec().networkOptions().networks());
  }

  @Test
  void securityOptions() throws Exception {
    ContainerSpec s = parse("""
        {"Image":"busybox","HostConfig":{"SecurityOpt":["no-new-privileges:false","seccomp={\\"defaultAction\\":\\"SCMP_ACT_ALLOW\\"}"]}}
        """, null).spec();
    assertFalse(s.noNewPrivileges());
    assertTrue(Files.readString(Path.of(s.seccomp())).contains("SCMP_ACT_ALLOW"), "the inline profile is kept in a file");
    assertEquals("unconfined", parse("{\"Image\":\"b\",\"HostConfig\":{\"SecurityOpt\":[\"seccomp=unconfined\"]}}", null).spec().seccomp());
    HttpException bad = assertThrows(HttpException.class,
        () -> parse("{\"Image\":\"b\",\"HostConfig\":{\"SecurityOpt\":[\"apparmor=docker-default\"]}}", null));
    assertEquals(400, bad.status());
  }

  @Test
  void whatBerthCannotHonourIsRefusedWithItsName() {
    for (String host : List.of("{\"PortBindings\":{\"http\":[{\"HostPort\":\"8080\"}]}}", "{\"Links\":[\"a:b\"]}",
        "{\"PidMode\":\"host\"}",
        "{\"LogConfig\":{\"Type\":\"syslog\"}}", "{\"RestartPolicy\":{\"Name\":\"sometimes\"}}",
        "{\"Mounts\":[{\"Type\":\"npipe\",\"Target\":\"/x\"}]}")) {
      HttpException e = assertThrows(HttpException.class, () -> parse("{\"Image\":\"busybox\",\"HostConfig\":" + host + "}", null), host);
      assertEquals(400, e.status(), host + ": " + e.getMessage());
    }
    assertEquals(400, assertThrows(HttpException.class, () -> parse("{\"Cmd\":[\"true\"]}", null)).status(), "no image");
    assertEquals(400, assertThrows(HttpException.class, () -> parse("{\"Image\":\"b\",\"Tty\":\"yes\"}", null)).status());
    assertEquals(400, assertThrows(HttpException.class, () -> parse("{\"Image\":\"b\",\"Env\":{\"A\":1}}", null)).status());
    assertEquals(400, assertThrows(HttpException.class, () -> parse("[]", null)).status());
  }

  @Test
  void logSizes() {
    assertEquals(10L << 20, CreateRequest.bytes("10m", "max-size"));
    assertEquals(512L << 10, CreateRequest.bytes("512k", "max-size"));
    assertEquals(1L << 30, CreateRequest.bytes("1g", "max-size"));
    assertEquals(100, CreateRequest.bytes("100", "max-size"));
    assertThrows(HttpException.class, () -> CreateRequest.bytes("lots", "max-size"));
  }

  @Test
  void networksPortsAndResolverOptionsMapOntoTheEngine() throws Exception {
    CreateRequest r = parse("{\"Image\":\"b\",\"ExposedPorts\":{\"53/udp\":{}},\"HostConfig\":{\"NetworkMode\":\"front\","
        + "\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8080\"}],\"443/tcp\":[{\"HostPort\":\"\"}]},"
        + "\"PublishAllPorts\":true,\"Dns\":[\"10.0.0.53\"],\"DnsSearch\":[\"example.test\"],\"ExtraHosts\":[\"db:10.1.2.3\"]},"
        + "\"NetworkingConfig\":{\"EndpointsConfig\":{\"front\":{\"Aliases\":[\"www\"],\"IPAMConfig\":{\"IPv4Address\":\"10.78.9.9\"}},"
        + "\"back\":{\"Aliases\":[\"api\"]}}}}", null);
    io.berth.engine.ContainerSpec.NetworkOptions o = r.spec().networkOptions();
    assertNull(r.spec().network());
    assertEquals(List.of(new io.berth.engine.ContainerSpec.Attach("front", List.of("www"), "10.78.9.9", null),
        new io.berth.engine.ContainerSpec.Attach("back", List.of("api"), null, null)), o.networks());
    assertEquals(List.of("127.0.0.1:8080:80/tcp", "443/tcp"), o.publish());
    assertTrue(o.publishAll());
    assertEquals(List.of("53/udp"), o.expose());
    assertEquals(List.of("10.0.0.53"), o.dns());
    assertEquals(List.of("example.test"), o.dnsSearch());
    assertEquals(List.of("db:10.1.2.3"), o.addHosts());
    CreateRequest shared = parse("{\"Image\":\"b\",\"HostConfig\":{\"NetworkMode\":\"container:abc\"}}", null);
    assertEquals("container:abc", shared.spec().network());
    assertEquals(List.of(), shared.spec().networkOptions().networks());
    CreateRequest host = parse("{\"Image\":\"b\",\"HostConfig\":{\"NetworkMode\":\"host\",\"PortBindings\":{\"80/tcp\":[{}]}}}", null);
    assertEquals("host", host.spec().network());
    assertEquals(List.of(), host.spec().networkOptions().publish(), "dockerd ignores ports on the host's network");
  }
}
