import { describe, expect, it } from "vitest";
import { riskOf, riskOfCommand, rulesOf } from "./argv.ts";

const a = (s: string): string[] => s.split(" ");

describe("containers pack", () => {
  it.each([
    ["docker ps -a", "low"],
    ["docker --context prod images", "low"],
    ["docker --log-level debug logs web", "low"],
    ["docker build -t x .", "medium"],
    ["docker run --rm -it node:20 bash", "medium"],
    ["docker compose up -d", "medium"],
    ["docker rm web", "medium"],
    ["docker rm -f web", "high"],
    ["docker container rm --force web", "high"],
    ["docker rmi -f x", "high"],
    ["docker system prune -af", "high"],
    ["docker volume rm data", "high"],
    ["docker network rm n", "high"],
    ["docker compose -f dev.yml down -v", "high"],
    ["docker-compose down --volumes", "high"],
    ["podman run --privileged fedora", "critical"],
    ["nerdctl run --pid=host alpine", "critical"],
    ["docker run -v /:/host alpine", "critical"],
    ["docker run -v /var/run/docker.sock:/sock alpine", "critical"],
    ["docker run --cap-add=SYS_ADMIN alpine", "critical"],
    ["docker run --mount type=bind,src=/etc,dst=/x alpine", "critical"],
    ["docker container run --privileged alpine", "critical"],
  ] as const)("%s → %s", (cmd, risk) => {
    expect(riskOf(a(cmd))).toBe(risk);
  });

  it("only reads run options before the image (later words belong to the container's command)", () => {
    expect(riskOf(a("docker run alpine ls -v /:/x --privileged"))).toBe("medium");
    expect(riskOf(a("docker run -e A=1 --name x -p 80:80 alpine --privileged"))).toBe("medium");
    expect(riskOf(a("docker run -e A=1 --privileged --name x alpine"))).toBe("critical");
  });

  it("mounts: workspace is ordinary, home and credentials are not", () => {
    expect(riskOf(a("docker run -v /home/agent/project:/app node"))).toBe("medium");
    expect(rulesOf(a("docker run -v /home/agent:/h node"))).toContain("containers.home-mount");
    expect(rulesOf(a("docker run -v ~/.aws:/root/.aws amazon/aws-cli"))).toContain(
      "containers.credential-mount",
    );
    expect(riskOf(a("docker run -v /etc/localtime:/etc/localtime:ro alpine"))).toBe("medium");
    expect(riskOf(a("docker run -v /etc/nginx:/etc/nginx alpine"))).toBe("high");
  });

  it("works end to end through the shell stage", () => {
    expect(riskOfCommand("docker ps --format '{{.Names}}'")).toBe("low");
    expect(riskOfCommand("docker run --rm -v /:/host alpine")).toBe("critical");
  });
});
