-- wrk script for the write shape: creates a post, then publishes the post it got back, as
-- a client does; two requests per post. Answers that were not HTTP 200, or that carry
-- `errors` or user errors, are counted and printed as "bad: N".
dofile("bench/counting.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/graphql-response+json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")

local organisation = os.getenv("ORGANISATION")

local publish = '{"query":"mutation ($id: ID!) { publishPost(input: {postId: $id}) '
  .. '{ post { id } userErrors { code } } }","variables":{"id":"%s"}}'
local create = '{"query":"mutation ($input: CreatePostInput!) { createPost(input: $input) '
  .. '{ post { id } userErrors { code } } }","variables":{"input":{"organisationId":"%s",'
  .. '"kind":"NEWS","title":"Benchmark post %d","body":"Written by bench/run.",'
  .. '"tags":["bench"]}}}'

function init(args)
  bad = 0
  created = {}
  n = 0
end

function request()
  local id = table.remove(created)
  if id then
    return wrk.format(nil, nil, nil, string.format(publish, id))
  end
  n = n + 1
  return wrk.format(nil, nil, nil, string.format(create, organisation, n))
end

function response(status, headers, body)
  if status ~= 200 or body:find('"errors"', 1, true) or body:find('"userErrors":[{', 1, true) then
    bad = bad + 1
    return
  end
  local id = body:match('"createPost":{"post":{"id":"([^"]+)"')
  if id then
    table.insert(created, id)
  end
end
