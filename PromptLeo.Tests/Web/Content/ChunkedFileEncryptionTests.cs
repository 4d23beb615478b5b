using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;

namespace PromptLeo.Tests.Web.Content;

public class ChunkedFileEncryptionTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private async Task<string> UserAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var email = $"chunk-{Guid.NewGuid():N}@promptleo.test";
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
        Assert.True((await users.CreateAsync(user, "Chunk-Passw0rd!")).Succeeded);
        return user.Id;
    }

    private static byte[] Data(int length)
    {
        var data = new byte[length];
        new Random(7).NextBytes(data);
        return data;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(64 * 1024)]
    [InlineData(200_000)]
    public async Task RoundTrip_AnyLength_DecryptsToTheSameBytes(int length)
    {
        var cipher = factory.Services.GetRequiredService<UserContentCipher>();
        var userId = await UserAsync();
        var path = Path.Combine(factory.DataDirectory, $"chunk-{Guid.NewGuid():N}.bin");
        var data = Data(length);

        await using (var stream = await ChunkedFileEncryption.CreateAsync(path, cipher, userId, CancellationToken.None))
        {
            await stream.WriteAsync(data);
        }
        var output = new MemoryStream();
        await ChunkedFileEncryption.DecryptToAsync(path, cipher, userId, output, CancellationToken.None);

        Assert.Equal(data, output.ToArray());
    }

    [Fact]
    public async Task Truncated_Tampered_OrShredded_FailsClearly()
    {
        var cipher = factory.Services.GetRequiredService<UserContentCipher>();
        var userId = await UserAsync();
        var path = Path.Combine(factory.DataDirectory, $"chunk-{Guid.NewGuid():N}.bin");
        await using (var stream = await ChunkedFileEncryption.CreateAsync(path, cipher, userId, CancellationToken.None))
        {
            await stream.WriteAsync(Data(150_000));
        }
        var original = await File.ReadAllBytesAsync(path);

        // Dropping the final chunk (truncation) is detected.
        await File.WriteAllBytesAsync(path, original[..(original.Length - 1000)]);
        await Assert.ThrowsAsync<ContentUnavailableException>(() => ChunkedFileEncryption.DecryptToAsync(path, cipher, userId, Stream.Null, CancellationToken.None));

        var tampered = (byte[])original.Clone();
        tampered[^10] ^= 0xFF;
        await File.WriteAllBytesAsync(path, tampered);
        await Assert.ThrowsAsync<ContentUnavailableException>(() => ChunkedFileEncryption.DecryptToAsync(path, cipher, userId, Stream.Null, CancellationToken.None));

        await File.WriteAllBytesAsync(path, original);
        await cipher.ShredKeyAsync(userId);
        await Assert.ThrowsAsync<ContentUnavailableException>(() => ChunkedFileEncryption.DecryptToAsync(path, cipher, userId, Stream.Null, CancellationToken.None));
    }
}
