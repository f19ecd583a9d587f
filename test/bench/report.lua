-- wrk script: sends the bench token when set and prints one machine-readable line:
-- "SBRESULT req/s p99_ms non2xx socket_errors". wrk counts an answer >= 400 in
-- summary.errors.status (a route answering 401 or 429 looks fast); run.sh fails on any, and
-- checks each route for a 2xx before measuring it (wrk does not count 1xx or 3xx).
local token = os.getenv("SB_BENCH_TOKEN")
request = function()
  local headers = {}
  if token and wrk.path ~= nil and wrk.path:find("^/api/") and not wrk.path:find("^/api/health") then
    headers["Authorization"] = "Bearer " .. token
  end
  return wrk.format(nil, nil, headers)
end

done = function(summary, latency, requests)
  local socket = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format("SBRESULT %.0f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(99) / 1000,
    summary.errors.status, socket))
end
