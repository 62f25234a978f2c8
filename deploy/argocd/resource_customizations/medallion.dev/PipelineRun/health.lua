-- Argo CD health check for medallion.dev/v1alpha1 PipelineRun (rules and rationale: docs/argocd.md, ADR 0012).
-- Pending, Running -> Progressing; Succeeded -> Healthy; Degraded (completed with data-quality or enrichment
-- warnings; its data was published) -> Healthy, the message starts with "Degraded"; Failed -> Degraded; Cancelled ->
-- Degraded (the run did not complete and never resumes; a PostSync hook run that was cancelled must fail the sync).
-- A Pending or Running run whose Succeeded condition has the reason Suspended (spec.suspend) -> Suspended; waiting for
-- a concurrency slot (WaitingForSlot) or for Kueue to admit its Job (WaitingForAdmission) stays Progressing.
-- Lua 5.1 (Argo CD runs gopher-lua) with only the base and table libraries: no string.*, math.*, os.*, io.*.
local hs = { status = "Progressing", message = "Waiting for the operator to start the run" }

if obj.metadata ~= nil and obj.metadata.deletionTimestamp ~= nil then
  hs.message = "Pending deletion"
  return hs
end

local status = obj.status
if status == nil or status.phase == nil then
  return hs
end

local generation = obj.metadata.generation
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.message = "Waiting for the operator to observe generation " .. generation
  return hs
end

local detail = ""
local reason = nil
if status.conditions ~= nil then
  for _, condition in ipairs(status.conditions) do
    if condition.type == "Succeeded" then
      reason = condition.reason
      if condition.message ~= nil and condition.message ~= "" then
        detail = ": " .. condition.message
      end
    end
  end
end

local byPhase = {
  Pending = "Progressing",
  Running = "Progressing",
  Succeeded = "Healthy",
  Degraded = "Healthy",
  Failed = "Degraded",
  Cancelled = "Degraded",
}
local health = byPhase[status.phase]
if health == nil then
  hs.status = "Unknown"
  hs.message = "Unknown phase " .. status.phase
  return hs
end
hs.status = health
if health == "Progressing" and reason == "Suspended" then
  hs.status = "Suspended"
end
local held = { Suspended = true, WaitingForSlot = true, WaitingForAdmission = true }
if health == "Progressing" and reason ~= nil and held[reason] then
  hs.message = status.phase .. " (" .. reason .. ")" .. detail
  return hs
end
hs.message = status.phase .. detail
return hs
