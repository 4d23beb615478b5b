namespace PromptLeo.Web.Features.Privacy;

/// <summary>The outcome of a finished erasure: the certificate and a one-time token to download it.</summary>
public sealed record ErasureResult(Guid JobId, string CertificateToken, byte[] Certificate);
