#!/usr/bin/env bash
# Saving never destroys what is at the output path (issue 16 §1): devices and
# FIFOs are written through, a symlink stays a symlink, directories are
# refused, modes are kept or follow the umask, read-only files are refused,
# a 253-character name works, stale temporaries of killed runs go on the
# next save, SIGTERM/SIGINT during a save leave no temporary, and a full
# disk says why. Devices are reached through symlinks in the test's folder,
# so a writer that replaced its target would replace the link, not /dev/null.
# Usage: file_safety.sh ZENN_BINARY SOURCE_DIR
set -u
zenn=$1
src=$2
data=$src/data/xor.data
. "$(dirname "$0")/harness.bash"
train() { "$zenn" train "$data" --quiet --epochs 5 "$@"; }
temps() { find "$tmp" -name '*.tmp.*' | wc -l; }

# expect_error WANT CMD...: non-zero exit, a "zenn: error:" line containing WANT
expect_error() {
  local want=$1
  shift
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -ne 0 ] && grep -q '^zenn: error: ' "$tmp/err" && grep -qF -- "$want" "$tmp/err"; then ok
  else bad "$* -> rc=$rc, stderr: $(cat "$tmp/err") (wanted '$want')"; fi
}

# Devices: written through, never replaced.
ln -s /dev/null "$tmp/null"
train -o "$tmp/null" >/dev/null 2>&1 && ok || bad "-o a link to /dev/null failed"
[ -L "$tmp/null" ] && [ -c /dev/null ] && ok || bad "the link to /dev/null was replaced"
ln -s /dev/full "$tmp/full"
expect_error "No space left on device" train -o "$tmp/full"
grep -qF "$tmp/full" "$tmp/err" && ok || bad "the /dev/full error does not name the path: $(cat "$tmp/err")"
[ -L "$tmp/full" ] && [ -c /dev/full ] && ok || bad "the link to /dev/full was replaced"

# A FIFO: the model goes to its reader.
mkfifo "$tmp/fifo"
cat "$tmp/fifo" >"$tmp/from_fifo" &
reader=$!
train -o "$tmp/fifo" >/dev/null 2>&1 && ok || bad "-o a FIFO failed"
if [ -p "$tmp/fifo" ]; then ok; else
  bad "the FIFO was replaced"
  kill $reader # it waits for a writer that will not come
fi
wait $reader
"$zenn" info "$tmp/from_fifo" >/dev/null 2>&1 && ok || bad "what came through the FIFO is not a model"

# /dev/stdout redirected to a file: the bytes go into that open file (the
# same inode), not into a new file renamed over it. (Through a link here too:
# a writer that replaced /dev/stdout would break the machine.)
ln -s /dev/stdout "$tmp/stdout"
: >"$tmp/stdout.safetensors"
before=$(stat -c %i "$tmp/stdout.safetensors")
train -o "$tmp/stdout" >"$tmp/stdout.safetensors" 2>/dev/null && ok || bad "-o /dev/stdout failed"
[ "$(stat -c %i "$tmp/stdout.safetensors")" = "$before" ] && "$zenn" info "$tmp/stdout.safetensors" >/dev/null 2>&1 &&
  ok || bad "-o /dev/stdout to a file: not a model in the same file"
train -o "$tmp/stdout" 2>/dev/null | cmp -s - "$tmp/stdout.safetensors" && ok || bad "-o /dev/stdout into a pipe"
[ -L "$tmp/stdout" ] && ok || bad "the link to /dev/stdout was replaced"

# Other kinds are refused, naming the path.
mkdir "$tmp/dir"
expect_error "$tmp/dir: is a directory" train -o "$tmp/dir"

# A symlink stays; its target (in another folder) is replaced, keeping its mode.
mkdir "$tmp/models"
train -o "$tmp/models/m.safetensors" >/dev/null 2>&1
chmod 600 "$tmp/models/m.safetensors"
ln -s models/m.safetensors "$tmp/link.safetensors"
before=$(cksum <"$tmp/models/m.safetensors")
train -o "$tmp/link.safetensors" --seed 7 >/dev/null 2>&1 && ok || bad "-o a symlink failed"
[ -L "$tmp/link.safetensors" ] && ok || bad "the symlink was replaced by a file"
[ "$(cksum <"$tmp/models/m.safetensors")" != "$before" ] && ok || bad "the symlink's target was not rewritten"
[ "$(stat -c %a "$tmp/models/m.safetensors")" = 600 ] && ok || bad "a 0600 model became $(stat -c %a "$tmp/models/m.safetensors")"

# New files follow the umask.
for u in 022 077 002; do
  rm -f "$tmp/u.safetensors"
  (umask $u && train -o "$tmp/u.safetensors" >/dev/null 2>&1)
  want=$(printf '%o' $((0666 & ~8#$u)))
  [ "$(stat -c %a "$tmp/u.safetensors")" = "$want" ] && ok || bad "umask $u gave $(stat -c %a "$tmp/u.safetensors"), not $want"
done

# A read-only file is refused (also for root) and left as it was.
train -o "$tmp/ro.safetensors" >/dev/null 2>&1
chmod 444 "$tmp/ro.safetensors"
before=$(cksum <"$tmp/ro.safetensors")
expect_error "$tmp/ro.safetensors: the file is read-only" train -o "$tmp/ro.safetensors" --seed 9
[ "$(cksum <"$tmp/ro.safetensors")" = "$before" ] && ok || bad "the read-only file changed"

# A 253-character name.
long=$(printf 'n%.0s' $(seq 241)).safetensors
train -o "$tmp/$long" >/dev/null 2>"$tmp/err" && "$zenn" info "$tmp/$long" >/dev/null && ok ||
  bad "a 253-character name: $(cat "$tmp/err")"

# Stale temporaries of this target go; a live writer's and another target's stay.
# (4194305 is past the kernel's largest pid: never alive.)
echo x >"$tmp/s.safetensors.tmp.4194305.abc123"
echo x >"$tmp/s.safetensors.tmp.$$.abc123"
echo x >"$tmp/t.safetensors.tmp.4194305.abc123"
train -o "$tmp/s.safetensors" >/dev/null 2>&1 && ok || bad "save beside stale temporaries failed"
[ ! -e "$tmp/s.safetensors.tmp.4194305.abc123" ] && ok || bad "the stale temporary stayed"
[ -e "$tmp/s.safetensors.tmp.$$.abc123" ] && [ -e "$tmp/t.safetensors.tmp.4194305.abc123" ] && ok ||
  bad "a live or another target's temporary was removed"
rm -f "$tmp"/*.tmp.*

# Kills during a save of a 16 MB model: SIGTERM and SIGINT leave no temporary
# wherever they land (the kill follows the temporary's appearance, so most
# land during the save); what kill -9 leaves goes on the next save.
big() { exec "$zenn" train "$data" --quiet --epochs 1 --layers 2,2048,2048,1 -o "$tmp/big.safetensors"; }
kill_in_save() { # SIGNAL
  big >/dev/null 2>&1 &
  local pid=$!
  while kill -0 $pid 2>/dev/null && ! compgen -G "$tmp/big.safetensors.tmp.*" >/dev/null; do :; done
  kill -"$1" $pid 2>/dev/null
  wait $pid 2>/dev/null
}
for i in 1 2 3 4 5; do
  for sig in TERM INT; do
    kill_in_save $sig
    [ "$(temps)" -eq 0 ] && ok || bad "SIG$sig left $(find "$tmp" -name '*.tmp.*')"
    rm -f "$tmp"/*.tmp.*
  done
done
for i in 1 2 3; do kill_in_save KILL; done
(big >/dev/null 2>&1) && ok || bad "saving after kill -9 failed"
[ "$(temps)" -eq 0 ] && ok || bad "kill -9 leftovers stayed after the next save: $(find "$tmp" -name '*.tmp.*')"

echo "file_safety.sh: $pass passed, $fail failed"
[ $fail -eq 0 ]
