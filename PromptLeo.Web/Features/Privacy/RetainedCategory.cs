namespace PromptLeo.Web.Features.Privacy;

/// <summary>Data kept after an erasure: what, why and until when (shown on the certificate); <paramref name="Document"/> is offered with it for download.</summary>
/// <see cref="Name"/> and <see cref="Reason"/> are English; a German certificate prints <see cref="GermanName"/> and <see cref="GermanReason"/>.
public sealed record RetainedCategory(string Name, string Reason, DateTimeOffset RetainedUntil, ErasureDocument? Document = null)
{
    public string? GermanName { get; init; }

    public string? GermanReason { get; init; }
}

/// <summary>A file the user gets with the certificate (the final invoice), e.g. <c>RE-2026-000012.pdf</c>.</summary>
public sealed record ErasureDocument(string FileName, byte[] Content);
