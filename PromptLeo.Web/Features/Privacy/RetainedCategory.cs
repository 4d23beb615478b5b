namespace PromptLeo.Web.Features.Privacy;

/// <summary>Data kept after an erasure: what, why and until when (shown on the certificate); <paramref name="Document"/> is offered with it for download.</summary>
public sealed record RetainedCategory(string Name, string Reason, DateTimeOffset RetainedUntil, ErasureDocument? Document = null);

/// <summary>A file the user gets with the certificate (the final invoice), e.g. <c>RE-2026-000012.pdf</c>.</summary>
public sealed record ErasureDocument(string FileName, byte[] Content);
