namespace PromptLeo.Web.Features.Privacy;

/// <summary>Data kept after an erasure: what, why and until when (shown on the certificate).</summary>
public sealed record RetainedCategory(string Name, string Reason, DateTimeOffset RetainedUntil);
