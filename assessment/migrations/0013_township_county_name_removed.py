# The township's county text, turned into County rows by 0012, is dropped (a migration of its own:
# PostgreSQL does not alter a table with the rows just updated in the same transaction).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('assessment', '0012_county_level'),
    ]

    operations = [
        migrations.RemoveField(model_name='township', name='county_name'),
    ]
