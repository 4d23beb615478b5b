using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Tests.Web.Privacy;

/// <summary>A confirmed user with stored content written through the same cipher and file store the features use.</summary>
public sealed record SeededUser(string Id, string Email, string Password, string DisplayName, string Secret, Guid ConversationId, Guid ImageId);

public static class PrivacySeed
{
    public const string Password = "Privacy-Passw0rd!";

    /// <summary>With <paramref name="registerWith"/>, the account goes through the real register/confirm/login flow (mail included) on that client.</summary>
    public static async Task<SeededUser> CreateAsync(PortalFactory factory, string? language = null, HttpClient? registerWith = null)
    {
        var unique = Guid.NewGuid().ToString("N")[..10];
        var email = $"erase-{unique}@firma-example.de";
        var displayName = $"Renate Zylinski{unique}";
        var secret = $"Geheimprojekt-{unique}-Quartalszahlen";
        string userId;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            ApplicationUser user;
            if (registerWith is null)
            {
                user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
                var created = await users.CreateAsync(user, Password);
                Assert.True(created.Succeeded, string.Join(", ", created.Errors.Select(e => e.Description)));
            }
            else
            {
                await PortalSession.RegisterConfirmAndLoginAsync(factory, registerWith, email, Password);
                user = (await users.FindByEmailAsync(email))!;
            }
            user.DisplayName = displayName;
            user.CompanyName = $"Zylinski{unique} GmbH";
            user.BillingCity = "Köln";
            user.PreferredLanguage = language ?? "en";
            Assert.True((await users.UpdateAsync(user)).Succeeded);
            userId = user.Id;
        }
        var cipher = factory.Services.GetRequiredService<UserContentCipher>();
        var files = factory.Services.GetRequiredService<EncryptedFileStore>();
        var records = factory.Services.GetRequiredService<ProcessingRecordWriter>();
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var conversation = new Conversation
        {
            UserId = userId,
            TitleCipher = await cipher.EncryptStringAsync(userId, ContentPurpose.ConversationTitle, "Title " + secret),
            ModelId = "demo-chat",
        };
        conversation.Messages.Add(new ConversationMessage { Ordinal = 0, Role = "user", ContentCipher = await cipher.EncryptStringAsync(userId, ContentPurpose.Message, secret) });
        conversation.Messages.Add(new ConversationMessage { Ordinal = 1, Role = "assistant", ContentCipher = await cipher.EncryptStringAsync(userId, ContentPurpose.Message, "Antwort " + secret), OutputTokens = 5 });
        db.Conversations.Add(conversation);
        db.ChatPresets.Add(new ChatPreset
        {
            UserId = userId,
            NameCipher = await cipher.EncryptStringAsync(userId, ContentPurpose.PresetName, "Preset " + secret),
            SystemPromptCipher = await cipher.EncryptStringAsync(userId, ContentPurpose.PresetPrompt, "System " + secret),
        });
        var image = new GeneratedImage { UserId = userId, ModelId = "demo-sd-tiny", Width = 8, Height = 8, FileName = "img.png.enc" };
        image.ParametersCipher = await cipher.EncryptAsync(userId, ContentPurpose.ImageParameters, JsonSerializer.SerializeToUtf8Bytes(new { prompt = secret, steps = 2 }));
        image.ByteSize = await files.WriteAsync(userId, image.FileName, ContentPurpose.ImageFile, TestImages.Gradient(8, 8));
        db.GeneratedImages.Add(image);
        db.ProcessingRecords.Add(records.Create(RequestId(), userId, ProcessingPurpose.Chat, "demo-chat", "portal"));
        await db.SaveChangesAsync();
        return new SeededUser(userId, email, Password, displayName, secret, conversation.Id, image.Id);
    }

    /// <summary>
    /// A request id of digits only: documents split long ids across lines, and a hex id's fragment ("be", "a") would
    /// read as an English word to the one-language check.
    /// </summary>
    public static string RequestId() => "req_" + string.Concat(Enumerable.Range(0, 32).Select(_ => (char)('0' + Random.Shared.Next(10))));
}
