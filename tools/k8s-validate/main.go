// k8s-validate checks rendered Kubernetes manifests (the output of
// `helm template`) offline, against the API types of the Kubernetes release
// this module is built with:
//
//  1. every document is decoded STRICTLY into its official Go type
//     (k8s.io/client-go/kubernetes/scheme, plus the prometheus-operator
//     ServiceMonitor): unknown kinds, unknown fields, duplicate fields and
//     values of the wrong type are errors;
//  2. built-in kinds are also checked against the structural schema that
//     client-go ships for server-side apply (generated from the API server's
//     OpenAPI document): the same unknown-field and type checks, done a
//     second, independent way, plus list and map shapes;
//  3. a few of the API server's own validation rules that a chart most often
//     breaks: names and labels, required fields, a Deployment's selector
//     matching its pod labels, port names, probes and Services naming ports
//     that exist, volume mounts naming volumes, HPA/PDB/ServiceMonitor
//     targets that exist in the same render.
//
// Usage: k8s-validate [-write-config DIR] [FILE...]   (no file or "-": standard input)
// Prints one line per error, then "k8s-validate: N objects (...), M errors";
// exits 1 on any error. With -write-config, the data key accrete.toml of the
// ConfigMap and secret.toml of the Secret are written to DIR, so that
// `accrete --config DIR/accrete.toml,DIR/secret.toml check-config` can check
// them with the binary's own parser.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/apimachinery/pkg/util/validation"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/kubernetes/scheme"
	sigyaml "sigs.k8s.io/yaml"
)

type object struct {
	source string // the "# Source:" comment helm writes, or FILE#n
	obj    runtime.Object
	meta   metav1.Object
	gvk    schema.GroupVersionKind
}

func (o *object) String() string {
	return fmt.Sprintf("%s/%s (%s)", o.gvk.Kind, o.meta.GetName(), o.source)
}

type checker struct {
	scheme    *runtime.Scheme
	decoder   runtime.Decoder
	converter managedfields.TypeConverter
	objects   []*object
	errs      []string
}

func (c *checker) fail(where string, format string, args ...any) {
	c.errs = append(c.errs, where+": "+fmt.Sprintf(format, args...))
}

func newChecker() *checker {
	s := runtime.NewScheme()
	must(scheme.AddToScheme(s))
	must(monitoringv1.AddToScheme(s))
	strict := json.NewSerializerWithOptions(json.DefaultMetaFactory, s, s,
		json.SerializerOptions{Yaml: true, Strict: true})
	return &checker{
		scheme:    s,
		decoder:   strict,
		converter: applyconfigurations.NewTypeConverter(scheme.Scheme),
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// read splits a multi-document YAML stream and decodes each document.
func (c *checker) read(name string, r io.Reader) {
	yr := utilyaml.NewYAMLReader(bufio.NewReader(r))
	for n := 1; ; n++ {
		doc, err := yr.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			c.fail(fmt.Sprintf("%s#%d", name, n), "not YAML: %v", err)
			return
		}
		source := fmt.Sprintf("%s#%d", name, n)
		for _, line := range strings.Split(string(doc), "\n") {
			if s, ok := strings.CutPrefix(line, "# Source: "); ok {
				source = strings.TrimSpace(s)
			}
		}
		if isEmpty(doc) {
			continue
		}
		c.decode(source, doc)
	}
}

func isEmpty(doc []byte) bool {
	for _, line := range bytes.Split(doc, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) > 0 && t[0] != '#' && !bytes.Equal(t, []byte("---")) {
			return false
		}
	}
	return true
}

func (c *checker) decode(source string, doc []byte) {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := sigyaml.Unmarshal(doc, &head); err != nil {
		c.fail(source, "not YAML: %v", err)
		return
	}
	if head.APIVersion == "" || head.Kind == "" {
		c.fail(source, "apiVersion and kind are required (got apiVersion=%q kind=%q)", head.APIVersion, head.Kind)
		return
	}
	gv, err := schema.ParseGroupVersion(head.APIVersion)
	if err != nil {
		c.fail(source, "apiVersion %q: %v", head.APIVersion, err)
		return
	}
	gvk := gv.WithKind(head.Kind)
	if !c.scheme.Recognizes(gvk) {
		c.fail(source, "unknown kind %s (not a type of Kubernetes %s nor monitoring.coreos.com/v1 ServiceMonitor)", gvk, kubeVersion())
		return
	}
	obj, _, err := c.decoder.Decode(doc, nil, nil)
	if err != nil {
		c.fail(source, "%s: %v", gvk.Kind, err)
		return
	}
	m, err := metaOf(obj)
	if err != nil {
		c.fail(source, "%v", err)
		return
	}
	o := &object{source: source, obj: obj, meta: m, gvk: gvk}
	c.objects = append(c.objects, o)

	// The structural schema (generated from the API server's OpenAPI), for built-in kinds.
	if gvk.Group != monitoringv1.SchemeGroupVersion.Group {
		var u map[string]any
		if err := sigyaml.Unmarshal(doc, &u); err != nil {
			c.fail(o.String(), "%v", err)
			return
		}
		if _, err := c.converter.ObjectToTyped(&unstructured.Unstructured{Object: u}); err != nil {
			c.fail(o.String(), "schema: %v", err)
		}
	}
}

func metaOf(obj runtime.Object) (metav1.Object, error) {
	type hasMeta interface{ GetObjectMeta() metav1.Object }
	if h, ok := obj.(hasMeta); ok {
		return h.GetObjectMeta(), nil
	}
	return nil, fmt.Errorf("%T has no metadata", obj)
}

// kubeVersion names the Kubernetes release of the API types built in.
func kubeVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "k8s.io/api" {
				if parts := strings.Split(strings.TrimPrefix(d.Version, "v"), "."); len(parts) >= 2 {
					return "1." + parts[1] + " (k8s.io/api " + d.Version + ")"
				}
			}
		}
	}
	return "1.x"
}

// ---- rules of the API server's validation that charts most often break ----

func (c *checker) checkAll() {
	seen := map[string]string{}
	for _, o := range c.objects {
		key := o.gvk.GroupKind().String() + "/" + o.meta.GetNamespace() + "/" + o.meta.GetName()
		if prev, dup := seen[key]; dup {
			c.fail(o.String(), "same kind and name as %s", prev)
		}
		seen[key] = o.source
		c.checkMeta(o)
		switch t := o.obj.(type) {
		case *appsv1.Deployment:
			c.checkDeployment(o, t)
		case *corev1.Service:
			c.checkService(o, t)
		case *corev1.ConfigMap, *corev1.Secret, *corev1.ServiceAccount:
		case *autoscalingv2.HorizontalPodAutoscaler:
			c.checkHPA(o, t)
		case *policyv1.PodDisruptionBudget:
			c.checkPDB(o, t)
		case *networkingv1.Ingress:
			c.checkIngress(o, t)
		case *monitoringv1.ServiceMonitor:
			c.checkServiceMonitor(o, t)
		}
	}
}

func (c *checker) errsOf(where string, list []string) {
	for _, e := range list {
		c.fail(where, "%s", e)
	}
}

func (c *checker) checkMeta(o *object) {
	w := o.String()
	name := o.meta.GetName()
	if name == "" {
		c.fail(w, "metadata.name is required")
	}
	switch o.obj.(type) {
	case *corev1.Service:
		c.errsOf(w+" metadata.name", validation.IsDNS1035Label(name))
	case *corev1.ConfigMap, *corev1.Secret, *appsv1.Deployment:
		c.errsOf(w+" metadata.name", validation.IsDNS1123Subdomain(name))
	default:
		c.errsOf(w+" metadata.name", validation.IsDNS1123Subdomain(name))
	}
	c.checkLabels(w+" metadata.labels", o.meta.GetLabels())
	for k := range o.meta.GetAnnotations() {
		c.errsOf(w+" metadata.annotations["+k+"]", validation.IsQualifiedName(strings.ToLower(k)))
	}
}

func (c *checker) checkLabels(where string, l map[string]string) {
	for k, v := range l {
		c.errsOf(where+"["+k+"]", validation.IsQualifiedName(k))
		c.errsOf(where+"["+k+"]", validation.IsValidLabelValue(v))
	}
}

func (c *checker) checkDeployment(o *object, d *appsv1.Deployment) {
	w := o.String()
	if d.Spec.Selector == nil || (len(d.Spec.Selector.MatchLabels) == 0 && len(d.Spec.Selector.MatchExpressions) == 0) {
		c.fail(w, "spec.selector is required and must not be empty")
	} else {
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		if err != nil {
			c.fail(w, "spec.selector: %v", err)
		} else if !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			c.fail(w, "spec.selector %s does not match spec.template.metadata.labels %v", sel, d.Spec.Template.Labels)
		}
	}
	if d.Spec.Replicas != nil && *d.Spec.Replicas < 0 {
		c.fail(w, "spec.replicas must be >= 0")
	}
	c.checkLabels(w+" spec.template.metadata.labels", d.Spec.Template.Labels)
	c.checkPod(w+" spec.template.spec", &d.Spec.Template.Spec)
}

func (c *checker) checkPod(w string, p *corev1.PodSpec) {
	if len(p.Containers) == 0 {
		c.fail(w, "containers is required")
	}
	volumes := map[string]bool{}
	for i, v := range p.Volumes {
		c.errsOf(fmt.Sprintf("%s.volumes[%d].name", w, i), validation.IsDNS1123Label(v.Name))
		if volumes[v.Name] {
			c.fail(w, "volumes[%d].name %q is used twice", i, v.Name)
		}
		volumes[v.Name] = true
		n := 0
		for _, set := range []bool{v.EmptyDir != nil, v.ConfigMap != nil, v.Secret != nil, v.Projected != nil,
			v.PersistentVolumeClaim != nil, v.HostPath != nil, v.DownwardAPI != nil, v.CSI != nil, v.Ephemeral != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			c.fail(w, "volumes[%d] (%s) must have exactly one source, has %d", i, v.Name, n)
		}
		if v.Secret != nil && v.Secret.SecretName == "" {
			c.fail(w, "volumes[%d].secret.secretName is required", i)
		}
		if v.ConfigMap != nil && v.ConfigMap.Name == "" {
			c.fail(w, "volumes[%d].configMap.name is required", i)
		}
	}
	for i := range p.ImagePullSecrets {
		if p.ImagePullSecrets[i].Name == "" {
			c.fail(w, "imagePullSecrets[%d].name is required", i)
		}
	}
	names := map[string]bool{}
	for i := range p.Containers {
		ct := &p.Containers[i]
		cw := fmt.Sprintf("%s.containers[%d]", w, i)
		c.errsOf(cw+".name", validation.IsDNS1123Label(ct.Name))
		if names[ct.Name] {
			c.fail(cw, "name %q is used twice", ct.Name)
		}
		names[ct.Name] = true
		if ct.Image == "" {
			c.fail(cw, "image is required")
		}
		ports := map[string]int32{}
		for j, port := range ct.Ports {
			pw := fmt.Sprintf("%s.ports[%d]", cw, j)
			c.errsOf(pw+".containerPort", validation.IsValidPortNum(int(port.ContainerPort)))
			if port.Name != "" {
				c.errsOf(pw+".name", validation.IsValidPortName(port.Name))
				if _, dup := ports[port.Name]; dup {
					c.fail(pw, "name %q is used twice", port.Name)
				}
				ports[port.Name] = port.ContainerPort
			}
			switch port.Protocol {
			case "", corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
			default:
				c.fail(pw, "protocol %q is not TCP, UDP or SCTP", port.Protocol)
			}
		}
		for _, pr := range []struct {
			name  string
			probe *corev1.Probe
		}{{"livenessProbe", ct.LivenessProbe}, {"readinessProbe", ct.ReadinessProbe}, {"startupProbe", ct.StartupProbe}} {
			if pr.probe == nil {
				continue
			}
			c.checkProbe(cw+"."+pr.name, pr.probe, ports)
		}
		for j, m := range ct.VolumeMounts {
			if !volumes[m.Name] {
				c.fail(cw, "volumeMounts[%d].name %q is not a volume of the pod", j, m.Name)
			}
			if !strings.HasPrefix(m.MountPath, "/") {
				c.fail(cw, "volumeMounts[%d].mountPath %q must be absolute", j, m.MountPath)
			}
		}
		for j, e := range ct.Env {
			c.errsOf(fmt.Sprintf("%s.env[%d].name", cw, j), validation.IsEnvVarName(e.Name))
			if e.Value != "" && e.ValueFrom != nil {
				c.fail(cw, "env[%d] (%s) may not have both value and valueFrom", j, e.Name)
			}
		}
		c.checkResources(cw+".resources", ct.Resources)
		if sc := ct.SecurityContext; sc != nil && sc.Capabilities != nil {
			for _, cap := range sc.Capabilities.Drop {
				if cap != "ALL" && strings.ToUpper(string(cap)) == "ALL" {
					c.fail(cw, "securityContext.capabilities.drop %q: write ALL", cap)
				}
			}
		}
		switch ct.ImagePullPolicy {
		case "", corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
		default:
			c.fail(cw, "imagePullPolicy %q is not Always, IfNotPresent or Never", ct.ImagePullPolicy)
		}
	}
}

func (c *checker) checkProbe(w string, p *corev1.Probe, ports map[string]int32) {
	handlers := 0
	var port *intstr.IntOrString
	if p.HTTPGet != nil {
		handlers++
		port = &p.HTTPGet.Port
		if p.HTTPGet.Path != "" && !strings.HasPrefix(p.HTTPGet.Path, "/") {
			c.fail(w, "httpGet.path %q must start with /", p.HTTPGet.Path)
		}
	}
	if p.TCPSocket != nil {
		handlers++
		port = &p.TCPSocket.Port
	}
	if p.Exec != nil {
		handlers++
	}
	if p.GRPC != nil {
		handlers++
	}
	if handlers != 1 {
		c.fail(w, "must have exactly one handler, has %d", handlers)
	}
	if port != nil {
		if port.Type == intstr.String {
			if _, ok := ports[port.StrVal]; !ok {
				c.fail(w, "port %q is not a named port of the container", port.StrVal)
			}
		} else {
			c.errsOf(w+".port", validation.IsValidPortNum(port.IntValue()))
		}
	}
	if p.PeriodSeconds < 0 || p.TimeoutSeconds < 0 || p.FailureThreshold < 0 || p.InitialDelaySeconds < 0 {
		c.fail(w, "durations and thresholds must be >= 0")
	}
}

func (c *checker) checkResources(w string, r corev1.ResourceRequirements) {
	for name, req := range r.Requests {
		if req.Sign() < 0 {
			c.fail(w, "requests.%s must be >= 0", name)
		}
		if lim, ok := r.Limits[name]; ok && req.Cmp(lim) > 0 {
			c.fail(w, "requests.%s (%s) must be <= limits.%s (%s)", name, req.String(), name, lim.String())
		}
	}
	for name, lim := range r.Limits {
		if lim.Sign() < 0 {
			c.fail(w, "limits.%s must be >= 0", name)
		}
	}
}

// podsFor returns the Deployments whose pod labels a selector matches.
func (c *checker) podsFor(sel labels.Selector, ns string) []*appsv1.Deployment {
	var out []*appsv1.Deployment
	for _, o := range c.objects {
		if d, ok := o.obj.(*appsv1.Deployment); ok && d.Namespace == ns && sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			out = append(out, d)
		}
	}
	return out
}

func (c *checker) checkService(o *object, s *corev1.Service) {
	w := o.String()
	if len(s.Spec.Ports) == 0 {
		c.fail(w, "spec.ports is required")
	}
	var pods []*appsv1.Deployment
	if len(s.Spec.Selector) > 0 {
		pods = c.podsFor(labels.SelectorFromSet(s.Spec.Selector), s.Namespace)
		if len(pods) == 0 {
			c.fail(w, "spec.selector %v matches no Deployment in this render", s.Spec.Selector)
		}
	}
	names := map[string]bool{}
	for i, p := range s.Spec.Ports {
		pw := fmt.Sprintf("%s spec.ports[%d]", w, i)
		if len(s.Spec.Ports) > 1 && p.Name == "" {
			c.fail(pw, "name is required when a Service has several ports")
		}
		if p.Name != "" {
			c.errsOf(pw+".name", validation.IsDNS1123Label(p.Name))
			if names[p.Name] {
				c.fail(pw, "name %q is used twice", p.Name)
			}
			names[p.Name] = true
		}
		c.errsOf(pw+".port", validation.IsValidPortNum(int(p.Port)))
		if p.TargetPort.Type == intstr.String && p.TargetPort.StrVal != "" {
			c.errsOf(pw+".targetPort", validation.IsValidPortName(p.TargetPort.StrVal))
			for _, d := range pods {
				if !hasPort(&d.Spec.Template.Spec, p.TargetPort.StrVal) {
					c.fail(pw, "targetPort %q is not a port of Deployment %s", p.TargetPort.StrVal, d.Name)
				}
			}
		}
	}
}

func hasPort(p *corev1.PodSpec, name string) bool {
	for _, ct := range p.Containers {
		for _, port := range ct.Ports {
			if port.Name == name {
				return true
			}
		}
	}
	return false
}

func (c *checker) find(kind, ns, name string) *object {
	for _, o := range c.objects {
		if o.gvk.Kind == kind && o.meta.GetNamespace() == ns && o.meta.GetName() == name {
			return o
		}
	}
	return nil
}

func (c *checker) checkHPA(o *object, h *autoscalingv2.HorizontalPodAutoscaler) {
	w := o.String()
	ref := h.Spec.ScaleTargetRef
	if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" {
		c.fail(w, "spec.scaleTargetRef is %s %s, expected apps/v1 Deployment", ref.APIVersion, ref.Kind)
	} else if c.find("Deployment", h.Namespace, ref.Name) == nil {
		c.fail(w, "spec.scaleTargetRef: Deployment %q is not in this render", ref.Name)
	}
	if h.Spec.MinReplicas != nil {
		if *h.Spec.MinReplicas < 1 {
			c.fail(w, "spec.minReplicas must be >= 1")
		}
		if *h.Spec.MinReplicas > h.Spec.MaxReplicas {
			c.fail(w, "spec.minReplicas (%d) must be <= spec.maxReplicas (%d)", *h.Spec.MinReplicas, h.Spec.MaxReplicas)
		}
	}
	if h.Spec.MaxReplicas < 1 {
		c.fail(w, "spec.maxReplicas must be >= 1")
	}
	for i, m := range h.Spec.Metrics {
		if m.Type == autoscalingv2.ResourceMetricSourceType {
			if m.Resource == nil {
				c.fail(w, "spec.metrics[%d].resource is required for type Resource", i)
				continue
			}
			t := m.Resource.Target
			if t.Type == autoscalingv2.UtilizationMetricType && (t.AverageUtilization == nil || *t.AverageUtilization < 1) {
				c.fail(w, "spec.metrics[%d].resource.target.averageUtilization must be >= 1", i)
			}
			if d := c.find("Deployment", h.Namespace, ref.Name); d != nil && t.Type == autoscalingv2.UtilizationMetricType {
				dep := d.obj.(*appsv1.Deployment)
				for _, ct := range dep.Spec.Template.Spec.Containers {
					if _, ok := ct.Resources.Requests[m.Resource.Name]; !ok {
						c.fail(w, "utilization of %s needs resources.requests.%s on container %s of Deployment %s",
							m.Resource.Name, m.Resource.Name, ct.Name, dep.Name)
					}
				}
			}
		}
	}
}

func (c *checker) checkPDB(o *object, p *policyv1.PodDisruptionBudget) {
	w := o.String()
	if (p.Spec.MinAvailable == nil) == (p.Spec.MaxUnavailable == nil) {
		c.fail(w, "exactly one of spec.minAvailable and spec.maxUnavailable is required")
	}
	if p.Spec.Selector == nil {
		c.fail(w, "spec.selector is required")
		return
	}
	sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
	if err != nil {
		c.fail(w, "spec.selector: %v", err)
		return
	}
	if len(c.podsFor(sel, p.Namespace)) == 0 {
		c.fail(w, "spec.selector %s matches no Deployment in this render", sel)
	}
}

func (c *checker) checkIngress(o *object, in *networkingv1.Ingress) {
	w := o.String()
	if len(in.Spec.Rules) == 0 && in.Spec.DefaultBackend == nil {
		c.fail(w, "needs spec.rules or spec.defaultBackend")
	}
	for i, r := range in.Spec.Rules {
		if r.Host != "" {
			c.errsOf(fmt.Sprintf("%s spec.rules[%d].host", w, i), validation.IsDNS1123Subdomain(strings.TrimPrefix(r.Host, "*.")))
		}
		if r.HTTP == nil || len(r.HTTP.Paths) == 0 {
			c.fail(w, "spec.rules[%d].http.paths is required", i)
			continue
		}
		for j, p := range r.HTTP.Paths {
			pw := fmt.Sprintf("%s spec.rules[%d].http.paths[%d]", w, i, j)
			if p.PathType == nil {
				c.fail(pw, "pathType is required")
			} else if *p.PathType != networkingv1.PathTypeExact && *p.PathType != networkingv1.PathTypePrefix && *p.PathType != networkingv1.PathTypeImplementationSpecific {
				c.fail(pw, "pathType %q is not Exact, Prefix or ImplementationSpecific", *p.PathType)
			}
			if !strings.HasPrefix(p.Path, "/") {
				c.fail(pw, "path %q must start with /", p.Path)
			}
			if p.Backend.Service == nil {
				c.fail(pw, "backend.service is required")
				continue
			}
			svc := c.find("Service", in.Namespace, p.Backend.Service.Name)
			if svc == nil {
				c.fail(pw, "backend Service %q is not in this render", p.Backend.Service.Name)
				continue
			}
			bp := p.Backend.Service.Port
			found := false
			for _, sp := range svc.obj.(*corev1.Service).Spec.Ports {
				if (bp.Name != "" && sp.Name == bp.Name) || (bp.Name == "" && sp.Port == bp.Number) {
					found = true
				}
			}
			if !found {
				c.fail(pw, "backend port %+v is not a port of Service %s", bp, svc.meta.GetName())
			}
		}
	}
}

func (c *checker) checkServiceMonitor(o *object, s *monitoringv1.ServiceMonitor) {
	w := o.String()
	if len(s.Spec.Endpoints) == 0 {
		c.fail(w, "spec.endpoints is required")
	}
	sel, err := metav1.LabelSelectorAsSelector(&s.Spec.Selector)
	if err != nil {
		c.fail(w, "spec.selector: %v", err)
		return
	}
	var services []*corev1.Service
	for _, x := range c.objects {
		if svc, ok := x.obj.(*corev1.Service); ok && sel.Matches(labels.Set(svc.Labels)) {
			services = append(services, svc)
		}
	}
	if len(services) == 0 {
		c.fail(w, "spec.selector %s matches no Service in this render", sel)
	}
	for i, e := range s.Spec.Endpoints {
		if e.Port == "" {
			continue
		}
		for _, svc := range services {
			found := false
			for _, p := range svc.Spec.Ports {
				if p.Name == e.Port {
					found = true
				}
			}
			if !found {
				c.fail(w, "spec.endpoints[%d].port %q is not a port of Service %s", i, e.Port, svc.Name)
			}
		}
	}
}

func main() {
	writeConfig := flag.String("write-config", "", "write the rendered accrete.toml and secret.toml into this folder")
	flag.Parse()
	c := newChecker()
	args := flag.Args()
	if len(args) == 0 {
		args = []string{"-"}
	}
	for _, a := range args {
		if a == "-" {
			c.read("stdin", os.Stdin)
			continue
		}
		f, err := os.Open(a)
		if err != nil {
			fmt.Fprintln(os.Stderr, "k8s-validate:", err)
			os.Exit(2)
		}
		c.read(a, f)
		f.Close()
	}
	c.checkAll()
	kinds := map[string]int{}
	for _, o := range c.objects {
		kinds[o.gvk.Kind]++
	}
	var ks []string
	for k, n := range kinds {
		ks = append(ks, fmt.Sprintf("%s=%d", k, n))
	}
	sort.Strings(ks)
	for _, e := range c.errs {
		fmt.Println("error:", e)
	}
	fmt.Printf("k8s-validate: %d objects (%s), %d errors\n", len(c.objects), strings.Join(ks, " "), len(c.errs))
	if *writeConfig != "" {
		c.writeConfig(*writeConfig)
	}
	if len(c.errs) > 0 || len(c.objects) == 0 {
		os.Exit(1)
	}
}

// writeConfig writes the chart's TOML files (ConfigMap key accrete.toml,
// Secret key secret.toml) into dir.
func (c *checker) writeConfig(dir string) {
	for _, o := range c.objects {
		var name, text string
		switch t := o.obj.(type) {
		case *corev1.ConfigMap:
			if v, ok := t.Data["accrete.toml"]; ok {
				name, text = "accrete.toml", v
			}
		case *corev1.Secret:
			if v, ok := t.StringData["secret.toml"]; ok {
				name, text = "secret.toml", v
			} else if b, ok := t.Data["secret.toml"]; ok {
				name, text = "secret.toml", string(b)
			}
		}
		if name == "" {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, "k8s-validate:", err)
			os.Exit(2)
		}
	}
}
