using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Images;

/// <summary>
/// The image studio's part in an erasure: the image rows go; the encrypted files go with the user's whole file folder,
/// and the shredded data key makes any copy unreadable.
/// </summary>
public sealed class ImagesErasureParticipant : IErasureParticipant
{
    public async Task<IReadOnlyDictionary<string, int>> CountAsync(AppDbContext db, string userId, CancellationToken cancellationToken) => new Dictionary<string, int>
    {
        ["images"] = await db.GeneratedImages.CountAsync(i => i.UserId == userId, cancellationToken),
    };

    public Task EraseAsync(AppDbContext db, string userId, string pseudonym, CancellationToken cancellationToken) =>
        db.GeneratedImages.Where(i => i.UserId == userId).ExecuteDeleteAsync(cancellationToken);
}
