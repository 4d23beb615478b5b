namespace PromptLeo.Web.Features.Images;

/// <summary>One produced image: stored (<see cref="Id"/>) or, in zero-retention mode, only returned (<see cref="InlinePng"/>).</summary>
public sealed record StudioImage(Guid? Id, byte[]? InlinePng, int Width, int Height, long Seed, string ModelId, string Kind);
