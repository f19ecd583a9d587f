-- wrk script for POST /api/sessions/:id/end over distinct sessions: the ids are the lines of
-- $SB_BENCH_END_IDS, each thread takes every THREADS-th one from its own offset, so no
-- session is ended twice (a second end is a 409 and fails the bench). The learner's token is
-- $SB_BENCH_END_TOKEN. Prints the same machine-readable line as report.lua.
local token = os.getenv("SB_BENCH_END_TOKEN")
local ids = {}
for line in io.lines(os.getenv("SB_BENCH_END_IDS")) do
  ids[#ids + 1] = line
end
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  thread:set("nthreads", tonumber(os.getenv("SB_BENCH_THREADS") or "2"))
end
local n = 0
request = function()
  local i = n * nthreads + tid
  n = n + 1
  if i > #ids then
    i = #ids   -- out of sessions: a 409 that fails the bench (seed more)
  end
  return wrk.format("POST", "/api/sessions/" .. ids[i] .. "/end", {
    ["Authorization"] = "Bearer " .. token,
  })
end

done = function(summary, latency, requests)
  local socket = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format("SBRESULT %.0f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(99) / 1000,
    summary.errors.status, socket))
end
