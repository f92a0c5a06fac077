-- The checks of tests/bench/centres.regel in Lua, on tables already in
-- memory: the peer of the embedded hot path (tests/bench/embed.c). Runs
-- under Lua 5.4 and LuaJIT 2.1 with lua-cjson:
--   lua5.4 tests/bench/embed.lua centres.jsonl ROUNDS
-- Decoding the lines into tables is not timed. Each decision gives what
-- the C host reads at once: the outcome and the refs of the failed rules;
-- messages are not built (regel renders them only when asked). The last
-- line counts outcomes and refs as embed.c does, to show both decided the
-- same.

local cjson = require "cjson"

local LISTADE_PER_ST_LAKARE = 1500

local function decide(vc)
  local n, grad = 0, 0
  for _, sp in ipairs(vc.specialister) do
    if sp.specialitet == "allmänmedicin" and sp.samma_vc then
      n = n + 1
      grad = grad + sp.tjanstgoringsgrad
    end
  end
  local st_lakare = vc.st_antal + 1
  local refs, failed = {}, false
  if not vc.kvalitetskriterier then
    refs[#refs + 1], failed = "A1", true
  end
  if not vc.utbildningsplatser then
    refs[#refs + 1], failed = "A2", true
  end
  if not (n >= 2 and grad >= 100) then
    refs[#refs + 1], failed = "A3", true
  end
  if not (vc.godkand_utbildning and vc.utbildar_lakarstudenter and vc.utbildar_at) then
    refs[#refs + 1], failed = "A4", true
  end
  if not (vc.listade >= LISTADE_PER_ST_LAKARE * st_lakare) then
    refs[#refs + 1], failed = "B1", true
  end
  if not (n >= st_lakare) then
    refs[#refs + 1] = "B3"
  end
  return failed and 1 or 0, refs
end

local path, rounds = arg[1], tonumber(arg[2] or "1")
local records = {}
for line in io.lines(path) do
  records[#records + 1] = cjson.decode(line)
end

-- One untimed pass, as embed.c makes.
for i = 1, #records do
  decide(records[i])
end
local ja, nej, failed, refsum = 0, 0, 0, 0
local byte = string.byte
local start = os.clock()
for _ = 1, rounds do
  for i = 1, #records do
    local outcome, refs = decide(records[i])
    if outcome == 0 then ja = ja + 1 else nej = nej + 1 end
    failed = failed + #refs
    for k = 1, #refs do
      refsum = refsum + byte(refs[k], 1) * 10 + byte(refs[k], 2)
    end
  end
end
local ns = (os.clock() - start) * 1e9 / (rounds * #records)
print(string.format("%.1f ns/decision ja=%d nej=%d failed=%d refs=%d", ns, ja, nej, failed, refsum))
