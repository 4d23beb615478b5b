namespace PromptLeo.Web.Features.Images;

public sealed record StudioResult(string RequestId, IReadOnlyList<StudioImage> Images, bool Cancelled, bool Stored, bool PromptTruncated);
