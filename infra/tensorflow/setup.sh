#!/usr/bin/env bash
# Make @tensorflow/tfjs-node (or, with --gpu, @tensorflow/tfjs-node-gpu) 4.22.0 usable in this
# repository's node_modules without its install script's downloads (libtensorflow and a prebuilt
# binding from storage.googleapis.com, which this project's machines cannot reach).
#
#   bash infra/tensorflow/setup.sh [--gpu] [--tf-java VERSION] [--force] [--offline]
#
# Paths, in this order:
#   1. standard: when the download host answers, tfjs-node's own `node scripts/install.js`
#      (bounded by a timeout);
#   2. offline:  libtensorflow's two shared libraries from a TensorFlow Java platform jar on
#      Maven Central (verified against sha256 sums pinned below), the TensorFlow C headers
#      vendored in include/ (no registry we reach ships them; see README.md), and the N-API
#      binding compiled here with node-gyp against the local Node headers.
# Idempotent and cached (HS_CACHE_DIR, default ~/.cache/headstream). package.json and
# package-lock.json are never changed. See README.md.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/../.." && pwd)"
T0=$SECONDS

log() { printf '[tensorflow] %s\n' "$*" >&2; }
die() { printf '[tensorflow] FAILED: %s\n' "$*" >&2; exit 1; }

# ---- options -------------------------------------------------------------------------------------
GPU=0
FORCE=0
OFFLINE="${HS_TF_OFFLINE:-0}"
TF_JAVA_VERSION="${HS_TF_JAVA_VERSION:-0.5.0}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --gpu) GPU=1 ;;
    --force) FORCE=1 ;;
    --offline) OFFLINE=1 ;;
    --tf-java) TF_JAVA_VERSION="${2:?--tf-java needs a version}"; shift ;;
    --tf-java=*) TF_JAVA_VERSION="${1#*=}" ;;
    -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift
done

TFJS_NODE_VERSION="4.22.0"
if [[ $GPU == 1 ]]; then PKG="@tensorflow/tfjs-node-gpu"; OTHER_PKG="@tensorflow/tfjs-node"; CLASSIFIER="linux-x86_64-gpu"
else PKG="@tensorflow/tfjs-node"; OTHER_PKG="@tensorflow/tfjs-node-gpu"; CLASSIFIER="linux-x86_64"; fi
case "$TF_JAVA_VERSION" in
  0.*) TF_ARTIFACT="tensorflow-core-api" ;;     # TensorFlow Java 0.x: natives inside core-api
  *) TF_ARTIFACT="tensorflow-core-native" ;;    # TensorFlow Java 1.x: natives split out
esac
JAR_NAME="${TF_ARTIFACT}-${TF_JAVA_VERSION}-${CLASSIFIER}.jar"

# sha256 of the platform jars as Maven Central serves them (each cross-checked against Central's
# .sha1 when pinned; mvn also checks .sha1 itself, --strict-checksums).
#   0.5.0 = TensorFlow 2.10.1 (GPU: CUDA 11.2 / cuDNN 8.1); 1.2.0 = TensorFlow 2.21.0 (GPU: CUDA 12).
declare -A JAR_SHA256=(
  [tensorflow-core-api-0.5.0-linux-x86_64.jar]=f394c5be26c8f3b644cdc77e6741b2cfe774caa8aedeb969c50e074444feac55
  [tensorflow-core-api-0.5.0-linux-x86_64-gpu.jar]=06298a31706ef94fc6509c490eefb281b756556a02808b222109c33707a72a6f
  [tensorflow-core-native-1.2.0-linux-x86_64.jar]=e6fc5afb04092f3427408f1947ec1e5832ed196009acfc088b4d38a516b708bd
  [tensorflow-core-native-1.2.0-linux-x86_64-gpu.jar]=e2de3e68c0bdd4bb23cfd61b28e705fa426f719566c246530b231d13da5f10d9
)
[[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]] || die "only linux-x86_64 is supported by this script (found $(uname -s)-$(uname -m))"
[[ -n "${JAR_SHA256[$JAR_NAME]:-}" || "${HS_TF_ALLOW_UNPINNED:-0}" == 1 ]] \
  || die "no pinned sha256 for ${JAR_NAME}; pin it in ${BASH_SOURCE[0]} (or HS_TF_ALLOW_UNPINNED=1 to rely on Maven's .sha1 only)"

CACHE_ROOT="${HS_CACHE_DIR:-${HOME:-/tmp}/.cache/headstream}/tensorflow"
NATIVES_DIR="${CACHE_ROOT}/natives/${JAR_NAME%.jar}"
mkdir -p "${CACHE_ROOT}/logs"
LOG_FILE="${CACHE_ROOT}/logs/setup-$(date +%Y%m%d-%H%M%S)-$$.log"

command -v node >/dev/null || die "node not found on PATH"
command -v npm >/dev/null || die "npm not found on PATH"
PKG_DIR="${REPO_ROOT}/node_modules/${PKG}"
OTHER_DIR="${REPO_ROOT}/node_modules/${OTHER_PKG}"
STAMP="${PKG_DIR}/deps/.headstream-setup"

# Serialise concurrent runs (they would write the same node_modules and cache).
if command -v flock >/dev/null; then
  exec 9>"${CACHE_ROOT}/.lock"
  flock -w 900 9 || die "could not lock ${CACHE_ROOT}/.lock"
fi

# ---- helpers -------------------------------------------------------------------------------------
binding_path() { # where tfjs-node loads its binding from (node-pre-gyp's rule over package.json "binary")
  (cd "$PKG_DIR" && node -e "console.log(require('@mapbox/node-pre-gyp').find(require('path').resolve('package.json')))")
}

stamp_key() { # what must hold for an existing setup to be reused
  printf 'pkg=%s@%s natives=%s node-abi=%s napi=%s' "$PKG" "$TFJS_NODE_VERSION" "${JAR_NAME%.jar}" \
    "$(node -p process.versions.modules)" "$(node -p process.versions.napi)"
}

# Import the package the way packages/model does (from the repo root) and print what loaded.
load_test() {
  (cd "$REPO_ROOT" && node --input-type=module -e "
    const tf = await import('${PKG}');
    const t = tf.tensor([[1, 2], [3, 4]]);
    const s = (await tf.matMul(t, t).sum().data())[0];
    if (s !== 54) throw new Error('matMul check gave ' + s);
    console.log('backend=' + tf.getBackend() + ' tfjs-node=' + tf.version['tfjs-node'] + ' libtensorflow=' + tf.backend().binding.TF_Version);
  " 2>>"$LOG_FILE")
}

deps_resolve() { # every runtime dependency of the package resolves from the package dir
  (cd "$PKG_DIR" && node -e "
    const deps = Object.keys(require('./package.json').dependencies || {});
    const missing = deps.filter((d) => { try { require.resolve(d + '/package.json'); return false; } catch { try { require.resolve(d); return false; } catch { return true; } } });
    if (missing.length) { console.error(missing.join(' ')); process.exit(1); }
  ") 2>>"$LOG_FILE"
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# ---- 0. already in place? -------------------------------------------------------------------------
if [[ $FORCE == 0 && -f "$STAMP" && -d "$PKG_DIR" ]] && [[ "$(head -n1 "$STAMP")" == "$(stamp_key)" ]]; then
  bp="$(binding_path 2>/dev/null || true)"
  if [[ -n "$bp" && -f "$bp" ]] && info="$(load_test)"; then
    log "${PKG} already set up ($(sed -n 2p "$STAMP")); ${info}; nothing to do ($((SECONDS - T0)) s)"
    exit 0
  fi
  log "stamp found but the package does not load; setting up again"
fi
log "setting up ${PKG}@${TFJS_NODE_VERSION} (natives: ${JAR_NAME%.jar}); log: ${LOG_FILE}"

# ---- 1. the npm package and its runtime dependencies, without install scripts ------------------------
if [[ ! -f "${PKG_DIR}/package.json" ]] || ! deps_resolve; then
  log "installing ${PKG} and its dependencies from the lockfile (npm install --ignore-scripts --no-save)"
  backup="$(mktemp -d)"
  cp -- "${REPO_ROOT}/package.json" "${REPO_ROOT}/package-lock.json" "$backup/"
  if ! (cd "$REPO_ROOT" && npm install --ignore-scripts --no-save --no-audit --no-fund --loglevel=error) >>"$LOG_FILE" 2>&1; then
    cp -- "$backup/package.json" "$backup/package-lock.json" "${REPO_ROOT}/"; rm -rf -- "$backup"
    die "npm install --ignore-scripts --no-save failed (see ${LOG_FILE})"
  fi
  for f in package.json package-lock.json; do
    if ! cmp -s "$backup/$f" "${REPO_ROOT}/$f"; then cp -- "$backup/$f" "${REPO_ROOT}/$f"; log "npm changed $f; restored it"; fi
  done
  rm -rf -- "$backup"
fi
[[ -f "${PKG_DIR}/package.json" ]] || die "${PKG} is not in node_modules after npm install (is it still an optionalDependency of packages/model?)"
got_version="$(node -p "require('${PKG_DIR}/package.json').version")"
[[ "$got_version" == "$TFJS_NODE_VERSION" ]] || die "${PKG} is ${got_version} in node_modules; this script is for ${TFJS_NODE_VERSION}"
deps_resolve || die "runtime dependencies of ${PKG} do not resolve (see ${LOG_FILE})"

# npm also installs the other native package (both are optionalDependencies). Without a binding it
# only fails later in backend selection; remove it unless it has been set up, as npm ci would.
if [[ -d "$OTHER_DIR" && ! -f "${OTHER_DIR}/deps/.headstream-setup" ]] \
   && ! ls "${OTHER_DIR}"/lib/napi-v*/tfjs_binding.node >/dev/null 2>&1; then
  rm -rf -- "$OTHER_DIR"
  log "removed ${OTHER_PKG} (installed by npm alongside, not set up; run with$([[ $GPU == 1 ]] && echo 'out') --gpu for it)"
fi

BINDING="$(binding_path)"
NAPI_DIR="$(dirname "$BINDING")"
NAPI_BUILD_VERSION="${NAPI_DIR##*napi-v}"

write_stamp() { # $1 = how it was set up
  mkdir -p "${PKG_DIR}/deps"
  printf '%s\n%s\n' "$(stamp_key)" "$1" >"$STAMP"
}

# ---- 2. standard path: tfjs-node's own install script, if its download host answers -----------------
if [[ $OFFLINE != 1 ]]; then
  if [[ $GPU == 1 ]]; then lib_kind=gpu; else lib_kind=cpu; fi
  probe_url="https://storage.googleapis.com/tensorflow/libtensorflow/libtensorflow-${lib_kind}-linux-x86_64-2.9.1.tar.gz"
  if (cd "$PKG_DIR" && node -e "
        fetch(process.argv[1], { method: 'HEAD', signal: AbortSignal.timeout(8000) })
          .then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));" "$probe_url") 2>>"$LOG_FILE"; then
    log "path: standard — download host answers; running ${PKG}'s scripts/install.js (timeout ${HS_TF_STANDARD_TIMEOUT:-300} s)"
    cp -- "${PKG_DIR}/package.json" "${PKG_DIR}/package.json.headstream-bak"
    if (cd "$PKG_DIR" && timeout "${HS_TF_STANDARD_TIMEOUT:-300}" node scripts/install.js "$lib_kind") >>"$LOG_FILE" 2>&1 \
       && [[ -f "$BINDING" ]] && info="$(load_test)"; then
      mv -f -- "${PKG_DIR}/package.json.headstream-bak" "${PKG_DIR}/package.json"
      write_stamp "path=standard (scripts/install.js)"
      log "${info}"
      log "done: path=standard in $((SECONDS - T0)) s"
      exit 0
    fi
    mv -f -- "${PKG_DIR}/package.json.headstream-bak" "${PKG_DIR}/package.json"
    rm -rf -- "${PKG_DIR}/deps" "${PKG_DIR}/build" "$NAPI_DIR"
    log "standard path failed (see ${LOG_FILE}); falling back to the offline path"
  else
    log "download host of scripts/install.js does not answer (${probe_url%%/tensorflow/*}); skipping the standard path"
  fi
fi
log "path: offline — libtensorflow from Maven Central (${JAR_NAME}), binding built here"

# ---- 3. natives: the two shared libraries out of the Maven Central platform jar (cached) -----------
if [[ ! -f "${NATIVES_DIR}/.complete" ]]; then
  command -v mvn >/dev/null || die "mvn not found on PATH; needed once to fetch ${JAR_NAME} from Maven Central"
  command -v unzip >/dev/null || die "unzip not found on PATH (apt-get install unzip)"
  mkdir -p "${CACHE_ROOT}/natives"
  tmp="$(mktemp -d "${CACHE_ROOT}/natives/.tmp.XXXXXX")"
  log "fetching org.tensorflow:${TF_ARTIFACT}:${TF_JAVA_VERSION}:jar:${CLASSIFIER} from Maven Central"
  if ! mvn -q -B -Dstyle.color=never --strict-checksums -f "${SCRIPT_DIR}/pom.xml" \
      -Dtf.artifactId="$TF_ARTIFACT" -Dtf.version="$TF_JAVA_VERSION" -Dtf.classifier="$CLASSIFIER" \
      dependency:copy -DoutputDirectory="$tmp/jar" >>"$LOG_FILE" 2>&1; then
    rm -rf -- "$tmp"; die "mvn could not fetch ${JAR_NAME} (see ${LOG_FILE})"
  fi
  got="$(sha256_of "$tmp/jar/${JAR_NAME}")"
  want="${JAR_SHA256[$JAR_NAME]:-}"
  if [[ -n "$want" && "$got" != "$want" ]]; then
    rm -rf -- "$tmp"; die "sha256 mismatch for ${JAR_NAME}: got ${got}, pinned ${want}"
  fi
  [[ -n "$want" ]] || log "WARNING: ${JAR_NAME} is not pinned (sha256 ${got}); relying on Maven's .sha1 check"
  mkdir -p "$tmp/out"
  unzip -q -j -o "$tmp/jar/${JAR_NAME}" '*/libtensorflow_cc.so.2' '*/libtensorflow_framework.so.2' '*/LICENSE' -d "$tmp/out" \
    || { rm -rf -- "$tmp"; die "${JAR_NAME} lacks libtensorflow_cc.so.2 / libtensorflow_framework.so.2"; }
  printf 'jar=%s\nsha256=%s\n' "$JAR_NAME" "$got" >"$tmp/out/.complete"
  rm -rf -- "$NATIVES_DIR"
  mv -- "$tmp/out" "$NATIVES_DIR"
  rm -rf -- "$tmp"
  log "cached libtensorflow from ${JAR_NAME} (sha256 ${got}) in ${NATIVES_DIR}"
else
  log "using cached libtensorflow in ${NATIVES_DIR}"
fi

# ---- 4. TensorFlow C headers ------------------------------------------------------------------
# No registry this project reaches ships them (README.md lists what was checked), so the 14 headers
# the binding includes are vendored in include/ (TensorFlow 2.21.0's C API, Apache-2.0; the C API is
# stable, and they build a binding that works against 2.10.1 and 2.21.0). HS_TF_HEADERS overrides.
HEADERS_DIR="${HS_TF_HEADERS:-${SCRIPT_DIR}/include}"
[[ -f "${HEADERS_DIR}/tensorflow/c/c_api.h" && -f "${HEADERS_DIR}/tensorflow/c/eager/c_api.h" ]] \
  || die "no TensorFlow C headers in ${HEADERS_DIR} (expected tensorflow/c/c_api.h and tensorflow/c/eager/c_api.h)"
log "TensorFlow C headers: ${HEADERS_DIR}"

# ---- 5. stage deps/ the way scripts/install.js leaves it ------------------------------------------
rm -rf -- "${PKG_DIR}/deps" "${PKG_DIR}/build" "$NAPI_DIR"
mkdir -p "${PKG_DIR}/deps/lib" "${PKG_DIR}/deps/include"
for f in libtensorflow_cc.so.2 libtensorflow_framework.so.2 LICENSE; do
  # Hard links into the cache when on one file system (no copy of ~0.5-1 GB), else a copy.
  ln -- "${NATIVES_DIR}/$f" "${PKG_DIR}/deps/lib/$f" 2>/dev/null || cp -- "${NATIVES_DIR}/$f" "${PKG_DIR}/deps/lib/$f"
done
(
  cd "${PKG_DIR}/deps/lib"
  # libtensorflow_cc.so.2 carries the whole C API (TF_*, TFE_*); binding.gyp links -ltensorflow.
  ln -sf libtensorflow_cc.so.2 libtensorflow.so
  ln -sf libtensorflow_framework.so.2 libtensorflow_framework.so
  # scripts/install.js treats deps/lib/libtensorflow.so.2.9.1 as "libtensorflow present": with it, an
  # `npm rebuild` runs only the (offline-failing) binding step instead of wiping deps/.
  ln -sf libtensorflow_cc.so.2 libtensorflow.so.2.9.1
  ln -sf libtensorflow_framework.so.2 libtensorflow_framework.so.2.9.1
)
cp -r -- "${HEADERS_DIR}/." "${PKG_DIR}/deps/include/"

# ---- 6. build the N-API binding with node-gyp against the local Node headers -----------------------
NODE_PREFIX="$(cd "$(dirname "$(readlink -f "$(command -v node)")")/.." && pwd)"
[[ -f "${NODE_PREFIX}/include/node/node_api.h" ]] \
  || die "Node headers not found at ${NODE_PREFIX}/include/node (node-gyp would download them; install the Node dev headers)"
NODE_GYP=""
for c in "$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js" \
         "${REPO_ROOT}/node_modules/node-gyp/bin/node-gyp.js"; do
  [[ -f "$c" ]] && { NODE_GYP="$c"; break; }
done
[[ -n "$NODE_GYP" ]] || die "node-gyp not found (it ships with npm: .../lib/node_modules/npm/node_modules/node-gyp)"
missing_tools=()
for t in make g++ python3; do command -v "$t" >/dev/null || missing_tools+=("$t"); done
if [[ ${#missing_tools[@]} -gt 0 ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    log "installing build tools: ${missing_tools[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq make g++ python3; } >>"$LOG_FILE" 2>&1 \
      || die "apt-get install make g++ python3 failed (see ${LOG_FILE})"
  else
    die "missing build tools: ${missing_tools[*]}"
  fi
fi
log "building tfjs_binding.node (N-API v${NAPI_BUILD_VERSION}, node headers ${NODE_PREFIX}/include/node)"
if ! (cd "$PKG_DIR" && node "$NODE_GYP" rebuild --nodedir="$NODE_PREFIX" \
        --module_name=tfjs_binding --module_path="$NAPI_DIR" --napi_build_version="$NAPI_BUILD_VERSION" \
        -j "$(nproc 2>/dev/null || echo 2)") >>"$LOG_FILE" 2>&1; then
  tail -n 15 "$LOG_FILE" | sed 's/^/[tensorflow]   /' >&2
  die "node-gyp could not build the binding (see ${LOG_FILE})"
fi
rm -rf -- "${PKG_DIR}/build"   # objects only; the binding is in ${NAPI_DIR}
[[ -f "$BINDING" ]] || die "build finished but ${BINDING} is missing"

# ---- 7. check and stamp -------------------------------------------------------------------------
info="$(load_test)" || { tail -n 15 "$LOG_FILE" | sed 's/^/[tensorflow]   /' >&2; die "${PKG} was built but does not load (see ${LOG_FILE})"; }
write_stamp "path=offline natives=${JAR_NAME} headers=${HEADERS_DIR}"
log "${info}"
log "done: path=offline in $((SECONDS - T0)) s"
