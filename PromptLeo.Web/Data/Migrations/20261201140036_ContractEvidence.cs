using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PromptLeo.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class ContractEvidence : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ContractEvidence",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Reference = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Version = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    AcceptedOn = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    CompanyName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    CompanyAddress = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    VatId = table.Column<string>(type: "TEXT", maxLength: 30, nullable: true),
                    IpHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    RetainedUntil = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ContractEvidence", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ContractEvidence_Reference",
                table: "ContractEvidence",
                column: "Reference");

            migrationBuilder.CreateIndex(
                name: "IX_ContractEvidence_RetainedUntil",
                table: "ContractEvidence",
                column: "RetainedUntil");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ContractEvidence");
        }
    }
}
