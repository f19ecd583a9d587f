-- wrk script: sends the bench token when set and prints one machine-readable line.
local token = os.getenv("SB_BENCH_TOKEN")
request = function()
  local headers = {}
  if token and wrk.path ~= nil and wrk.path:find("^/api/") and not wrk.path:find("^/api/health") then
    headers["Authorization"] = "Bearer " .. token
  end
  return wrk.format(nil, nil, headers)
end

done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("SBRESULT %.0f %.2f %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(99) / 1000, errors))
end
