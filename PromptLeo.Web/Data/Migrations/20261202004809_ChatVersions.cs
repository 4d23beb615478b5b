using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PromptLeo.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class ChatVersions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ConversationMessages_ConversationId_Ordinal",
                table: "ConversationMessages");

            migrationBuilder.AddColumn<Guid>(
                name: "ParentId",
                table: "ConversationMessages",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "Selected",
                table: "ConversationMessages",
                type: "INTEGER",
                nullable: false,
                defaultValue: true);

            // Existing conversations become one linear branch: each message follows the one before it (every message is its only version).
            migrationBuilder.Sql("""
                UPDATE "ConversationMessages" SET "ParentId" = (
                    SELECT p."Id" FROM "ConversationMessages" AS p
                    WHERE p."ConversationId" = "ConversationMessages"."ConversationId" AND p."Ordinal" < "ConversationMessages"."Ordinal"
                    ORDER BY p."Ordinal" DESC LIMIT 1);
                """);

            migrationBuilder.CreateIndex(
                name: "IX_ConversationMessages_ConversationId_Ordinal",
                table: "ConversationMessages",
                columns: new[] { "ConversationId", "Ordinal" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ConversationMessages_ConversationId_Ordinal",
                table: "ConversationMessages");

            migrationBuilder.DropColumn(
                name: "ParentId",
                table: "ConversationMessages");

            migrationBuilder.DropColumn(
                name: "Selected",
                table: "ConversationMessages");

            migrationBuilder.CreateIndex(
                name: "IX_ConversationMessages_ConversationId_Ordinal",
                table: "ConversationMessages",
                columns: new[] { "ConversationId", "Ordinal" },
                unique: true);
        }
    }
}
