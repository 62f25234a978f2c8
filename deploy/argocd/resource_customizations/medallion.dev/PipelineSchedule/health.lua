-- Argo CD health check for medallion.dev/v1alpha1 PipelineSchedule (rules and rationale: docs/argocd.md).
-- Progressing until the operator has observed the current generation; then spec.suspend -> Suspended, and the
-- Ready condition decides: True -> Healthy (message: the next run time), False (InvalidSchedule) -> Degraded.
-- Lua 5.1 (Argo CD runs gopher-lua) with only the base and table libraries: no string.*, math.*, os.*, io.*.
local hs = { status = "Progressing", message = "Waiting for the operator to report status" }

if obj.metadata ~= nil and obj.metadata.deletionTimestamp ~= nil then
  hs.message = "Pending deletion"
  return hs
end

local status = obj.status
if status == nil then
  return hs
end

local generation = obj.metadata.generation
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.message = "Waiting for the operator to observe generation " .. generation
  return hs
end

local ready = nil
if status.conditions ~= nil then
  for _, condition in ipairs(status.conditions) do
    if condition.type == "Ready" then
      ready = condition
    end
  end
end

local active = 0
if status.active ~= nil then
  active = #status.active
end
local running = ""
if active > 0 then
  running = "; " .. active .. " run(s) active"
end

if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "Suspended: no new runs are created" .. running
  return hs
end
if ready == nil then
  hs.message = "Waiting for the Ready condition"
  return hs
end

if ready.status == "True" then
  hs.status = "Healthy"
elseif ready.status == "False" then
  hs.status = "Degraded"
end
hs.message = ready.reason or ""
if ready.message ~= nil and ready.message ~= "" then
  hs.message = hs.message .. ": " .. ready.message
end
hs.message = hs.message .. running
return hs
