using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace NatGateway.Migrations
{
    /// <inheritdoc />
    public partial class ClusterConfiguration : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ClusterDocument",
                table: "Revisions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ClusterSecrets",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    Secret = table.Column<byte[]>(type: "BLOB", nullable: false),
                    SetAt = table.Column<long>(type: "INTEGER", nullable: false),
                    SetBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ClusterSecrets", x => x.Id);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ClusterSecrets");

            migrationBuilder.DropColumn(
                name: "ClusterDocument",
                table: "Revisions");
        }
    }
}
