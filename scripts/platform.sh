# Sourced by the scripts that name this machine's platform or hand paths to native programs:
#   os       linux, darwin, windows (Git Bash), freebsd, ... as Terraform names it
#   arch     amd64, arm64, ...
#   os_arch  "${os}_${arch}", as in provider package names
#   exe      ".exe" on Windows, else ""
#   native PATH   prints PATH as native programs (Terraform, Python) read it: on Windows
#                 (Git Bash) /c/x is C:/x to them; elsewhere as it is.
#   copy_built FROM TO
#                 copies a binary cargo built into target/debug; retries for 10 s while it
#                 is missing, as it briefly is when another cargo build beside re-links it.
case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  MINGW*|MSYS*|CYGWIN*) os=windows ;;
  FreeBSD) os=freebsd ;;
  *) os="$(uname -s | tr '[:upper:]' '[:lower:]')" ;;
esac
case "$(uname -m)" in
  x86_64|amd64) arch=amd64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) arch="$(uname -m)" ;;
esac
os_arch="${os}_${arch}"
exe=""
if [ "$os" = windows ]; then exe=".exe"; fi
native() {
  if command -v cygpath >/dev/null 2>&1; then cygpath -m "$1"; else printf '%s\n' "$1"; fi
}
copy_built() {
  local tries=50
  until cp -f "$1" "$2" 2>/dev/null; do
    # Only a binary missing for a moment is waited for; any other failure is said at once.
    if [ -e "$1" ] || [ "$tries" -le 0 ]; then cp -f "$1" "$2"; return; fi
    tries=$((tries - 1))
    sleep 0.2
  done
}
