-- wrk script: POSTs the GraphQL request in BODY (with TOKEN as bearer, if set) and counts
-- the answers that were not HTTP 200 or that carry `errors`, printed as "bad: N".
dofile("bench/counting.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/graphql-response+json"
if os.getenv("TOKEN") and os.getenv("TOKEN") ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
end
wrk.body = os.getenv("BODY")

function init(args)
  bad = 0
end

function response(status, headers, body)
  if status ~= 200 or body:find('"errors"', 1, true) then
    bad = bad + 1
  end
end
