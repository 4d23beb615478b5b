using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Images;

/// <summary>Deletes images (file and row) older than their owner's image retention.</summary>
public sealed class ImagesRetentionParticipant(EncryptedFileStore files) : IRetentionParticipant
{
    public async Task<IReadOnlyDictionary<string, int>> PurgeAsync(AppDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var images = 0;
        var policies = await db.Users.Where(u => u.ImageRetentionDays != null && u.ImageRetentionDays > 0)
            .Select(u => new { u.Id, Days = u.ImageRetentionDays!.Value }).ToListAsync(cancellationToken);
        foreach (var policy in policies)
        {
            var cutoff = now.AddDays(-policy.Days);
            var expired = await db.GeneratedImages.Where(i => i.UserId == policy.Id && i.CreatedAt < cutoff).Select(i => new { i.Id, i.FileName }).ToListAsync(cancellationToken);
            foreach (var image in expired)
            {
                files.Delete(policy.Id, image.FileName);
            }
            var ids = expired.Select(i => i.Id).ToList();
            images += await db.GeneratedImages.Where(i => ids.Contains(i.Id)).ExecuteDeleteAsync(cancellationToken);
        }
        return new Dictionary<string, int> { ["images"] = images };
    }
}
