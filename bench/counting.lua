-- Shared by the wrk scripts: each thread counts its bad answers in the global `bad`, and the
-- sum over all threads is printed at the end as "bad: N", which bench/run reads. wrk runs
-- from the repository's root, so the scripts load this file by that path.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("bad")
  end
  io.write(string.format("bad: %d\n", total))
end
