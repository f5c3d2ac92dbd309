from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assessment', '0004_subtotals'),
    ]

    operations = [
        migrations.AddField(
            model_name='score',
            name='edit_id',
            field=models.CharField(blank=True, default='', max_length=40, verbose_name='修改编号'),
        ),
    ]
