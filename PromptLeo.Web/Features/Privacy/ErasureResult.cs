namespace PromptLeo.Web.Features.Privacy;

/// <summary>The outcome of a finished erasure: the certificate and a one-time token to download it.</summary>
public sealed record ErasureResult(Guid JobId, string CertificateToken, byte[] Certificate);

/// <summary>
/// Why an account cannot be erased yet, as a feature reports it: <paramref name="Message"/> is the English text with a
/// {0} for <paramref name="Subjects"/> (its German version is in the Privacy resources), e.g. the organizations the
/// user is the last owner of.
/// </summary>
public sealed record ErasureObstacle(string Message, IReadOnlyList<string> Subjects);

/// <summary>The erasure was refused before anything changed; the obstacles say what to do first.</summary>
public sealed class ErasureBlockedException(IReadOnlyList<ErasureObstacle> obstacles)
    : InvalidOperationException("The account cannot be erased yet: " + string.Join(" ", obstacles.Select(o => string.Format(System.Globalization.CultureInfo.InvariantCulture, o.Message, string.Join(", ", o.Subjects)))))
{
    public IReadOnlyList<ErasureObstacle> Obstacles { get; } = obstacles;
}
