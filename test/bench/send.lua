-- wrk script for POST /api/messages/send: the bench token, a JSON body to SB_BENCH_RECEIVER,
-- and the same machine-readable line as report.lua.
local token = os.getenv("SB_BENCH_TOKEN")
local receiver = os.getenv("SB_BENCH_RECEIVER")
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"receiver":"%s","content":"bench message %d","messageType":"text"}',
    receiver, n)
  return wrk.format("POST", nil, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, body)
end

-- "SBRESULT req/s p99_ms non2xx socket_errors", as report.lua writes it
done = function(summary, latency, requests)
  local socket = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format("SBRESULT %.0f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(99) / 1000,
    summary.errors.status, socket))
end
