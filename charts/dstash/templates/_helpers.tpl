{{/*
Names, labels and the values derived from them, shared by every template.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "dstash.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The release's full name: fullnameOverride, or <release>-<name>, or just the
release name when it already contains the chart name. Cut to 52 characters:
the StatefulSet's pods append "-<ordinal>" and the controller a revision hash
label, which Kubernetes limits to 63.
*/}}
{{- define "dstash.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* chart-version, for the helm.sh/chart label. */}}
{{- define "dstash.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select the pods: never change them after the first install (StatefulSet selectors are immutable). */}}
{{- define "dstash.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dstash.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of every resource. */}}
{{- define "dstash.labels" -}}
{{ include "dstash.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "dstash.chart" . }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
metadata.annotations of a resource, indented for metadata and led by a newline (nothing when there are none):
commonAnnotations merged with the resource's own (the dict's "own"). Use as {{- include … }} right after the labels.
*/}}
{{- define "dstash.annotations" -}}
{{- $all := merge (dict) (.own | default dict) (.context.Values.commonAnnotations | default dict) -}}
{{- with $all }}
  annotations:
    {{- toYaml . | nindent 4 }}
{{- end }}
{{- end -}}

{{/* The headless Service that gives each pod its stable DNS name. */}}
{{- define "dstash.headlessServiceName" -}}
{{- printf "%s-headless" (include "dstash.fullname" .) -}}
{{- end -}}

{{/* DNS suffix of the pods: <headless>.<namespace>.svc.<clusterDomain>. */}}
{{- define "dstash.podDnsSuffix" -}}
{{- printf "%s.%s.svc.%s" (include "dstash.headlessServiceName" .) .Release.Namespace .Values.clusterDomain -}}
{{- end -}}

{{/* The static peer list: every pod's stable DNS name and gRPC port, one a line. */}}
{{- define "dstash.staticPeers" -}}
{{- $fullname := include "dstash.fullname" . -}}
{{- $suffix := include "dstash.podDnsSuffix" . -}}
{{- range $i := until (int .Values.replicaCount) }}
{{ printf "%s-%d.%s:%d" $fullname $i $suffix (int $.Values.node.port) }}
{{- end }}
{{- end -}}

{{/* The ServiceAccount of the pods. */}}
{{- define "dstash.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "dstash.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Consul service name the nodes register as. */}}
{{- define "dstash.consulService" -}}
{{- default (include "dstash.fullname" .) .Values.consul.service -}}
{{- end -}}

{{/* The container image reference: registry/repository, then @digest or :tag (default: appVersion). */}}
{{- define "dstash.image" -}}
{{- $repo := .Values.image.repository -}}
{{- if .Values.image.registry -}}
{{- $repo = printf "%s/%s" .Values.image.registry .Values.image.repository -}}
{{- end -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $repo .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The HTTP port is on. */}}
{{- define "dstash.httpEnabled" -}}
{{- if gt (int .Values.node.httpPort) 0 }}true{{ end -}}
{{- end -}}

{{/*
A probe of the node (the dict's "probe" values, "alive" true for liveness and
startup, "context" the root).
Liveness and startup ask whether the process answers at all: the HTTP port's
/healthz, or with the HTTP port off the image's healthcheck script with
--alive (any gRPC health answer, NOT_SERVING included). A draining node is
NOT_SERVING for as long as its hand-over takes, and must not be killed for it.
Readiness asks Kubernetes' own gRPC probe against grpc.health.v1 (service "" =
the node); it cannot speak TLS, so with TLS the probe asks the plain-HTTP
/readyz, or, with the HTTP port off, runs the image's healthcheck script,
which dials with the node's own TLS files.
*/}}
{{- define "dstash.probe" -}}
{{- $probe := .probe -}}
{{- $values := .context.Values -}}
{{- if .alive -}}
{{- /* Liveness and startup: is the process there? Never the gRPC health status, which a drain turns NOT_SERVING. */ -}}
{{- if include "dstash.httpEnabled" .context -}}
httpGet:
  path: /healthz
  port: http
{{- if $values.tls.enabled }}
  scheme: HTTPS
{{- end }}
{{- else -}}
exec:
  command: ["node", "/app/docker/healthcheck.js", "--alive"]
{{- end -}}
{{- else if not $values.tls.enabled -}}
grpc:
  port: {{ $values.node.port }}
{{- else if include "dstash.httpEnabled" .context -}}
httpGet:
  path: /readyz
  port: http
  scheme: HTTPS
{{- else -}}
exec:
  command: ["node", "/app/docker/healthcheck.js"]
{{- end }}
initialDelaySeconds: {{ $probe.initialDelaySeconds }}
periodSeconds: {{ $probe.periodSeconds }}
timeoutSeconds: {{ $probe.timeoutSeconds }}
failureThreshold: {{ $probe.failureThreshold }}
successThreshold: {{ $probe.successThreshold }}
{{- end -}}

{{/* Cross-field checks that values.schema.json cannot express. */}}
{{- define "dstash.validateValues" -}}
{{- $n := int .Values.replication.factor -}}
{{- with .Values.replication.writeQuorum }}{{ if gt (int .) $n }}{{ fail (printf "replication.writeQuorum (%d) must not exceed replication.factor (%d)" (int .) $n) }}{{ end }}{{ end -}}
{{- with .Values.replication.readQuorum }}{{ if gt (int .) $n }}{{ fail (printf "replication.readQuorum (%d) must not exceed replication.factor (%d)" (int .) $n) }}{{ end }}{{ end -}}
{{- if and .Values.zone.name .Values.zone.fromNodeLabel }}{{ fail "set zone.name or zone.fromNodeLabel, not both" }}{{ end -}}
{{- if and .Values.metrics.serviceMonitor.enabled (not (include "dstash.httpEnabled" .)) }}{{ fail "metrics.serviceMonitor.enabled needs node.httpPort (the HTTP port serves /metrics)" }}{{ end -}}
{{- end -}}
