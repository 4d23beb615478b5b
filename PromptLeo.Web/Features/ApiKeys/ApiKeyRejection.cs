namespace PromptLeo.Web.Features.ApiKeys;

/// <summary>Why the key handler turned a request away: 401 (missing or invalid key) or 403 (scope), with a message and a stable code.</summary>
public sealed record ApiKeyRejection(int StatusCode, string Message, string Code);
