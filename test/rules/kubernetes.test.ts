import { describe, expect, it } from "vitest";
import { kubeTarget } from "../../src/rules/kubernetes.ts";
import { inv, riskOf, riskOfCommand, rulesOf } from "./argv.ts";

const a = (s: string): string[] => s.split(" ");

describe("kubernetes pack", () => {
  it.each([
    ["kubectl get pods -n prod", "low"],
    ["kubectl -n prod --context x get po", "low"],
    ["kubectl logs -f deploy/web", "low"],
    ["kubectl auth can-i delete pods", "low"],
    ["kubectl config get-contexts", "low"],
    ["kubectl apply -f k8s/", "medium"],
    ["kubectl scale deploy/web --replicas=0", "medium"],
    ["kubectl config use-context prod", "medium"],
    ["kubectl delete pod web", "high"],
    ["kubectl -n prod --context x delete pod web", "high"],
    ["kubectl drain node-1", "high"],
    ["kubectl get secret db -o yaml", "high"],
    ["kubectl get secret db -ojsonpath={.data}", "high"],
    ["kubectl delete ns prod", "critical"],
    ["kubectl delete namespace/prod", "critical"],
    ["kubectl delete pvc,svc -l app=db", "critical"],
    ["kubectl delete persistentvolumes pv-1", "critical"],
    ["kubectl delete crd foos.example.com", "critical"],
    ["kubectl delete pods --all -A", "critical"],
    ["kubectl create rolebinding x --role=admin --user=me", "critical"],
    ["kubectl patch clusterrole view -p {}", "critical"],
    ["oc delete project staging", "critical"],
    ["helm list -A", "low"],
    ["helm upgrade --install web ./chart", "medium"],
    ["helm --kube-context prod uninstall web", "high"],
  ] as const)("%s → %s", (cmd, risk) => {
    expect(riskOf(a(cmd))).toBe(risk);
  });

  it("distinguishes delete --all in one namespace from all namespaces", () => {
    expect(rulesOf(a("kubectl delete pods --all"))).toContain("kubernetes.delete-all");
    expect(riskOf(a("kubectl delete pods --all --all-namespaces"))).toBe("critical");
  });

  it("exposes namespace and context for the policy stage", () => {
    expect(kubeTarget(inv(a("kubectl -n prod --context prod-eu delete pod x")))).toEqual({
      namespace: "prod",
      context: "prod-eu",
      allNamespaces: false,
    });
    expect(kubeTarget(inv(a("kubectl delete pod x --namespace=prod"))).namespace).toBe("prod");
    expect(kubeTarget(inv(a("kubectl -nprod get po"))).namespace).toBe("prod");
    expect(kubeTarget(inv(a("helm --kube-context prod-eu list"))).context).toBe("prod-eu");
    expect(kubeTarget(inv(a("kubectl config use-context prod-eu"))).context).toBe("prod-eu");
    expect(kubeTarget(inv(a("kubectl get po -A"))).allNamespaces).toBe(true);
  });

  it("works end to end through the shell stage", () => {
    expect(riskOfCommand("kubectl get pods -o jsonpath='{.items[*].metadata.name}'")).toBe("low");
    expect(riskOfCommand("kubectl delete ns staging")).toBe("critical");
  });
});
