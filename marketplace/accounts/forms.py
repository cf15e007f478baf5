"""Account forms. Services re-check every rule; forms give early, per-field messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from ..forms import choices
from .models import REGIONS, REGISTRABLE_KINDS, SELF_SERVICE_ROLES


def _required():
    return DataRequired(message=_l("此项为必填项。"))


class LoginForm(FlaskForm):
    email = EmailField(_l("邮箱"), validators=[_required(), Length(max=254)])
    password = PasswordField(_l("密码"), validators=[_required()])


def _validate_uscc(_form, field) -> None:
    # The same check the service makes, shown together with the other field errors.
    from ..errors import ValidationFailed
    from .services import check_uscc

    try:
        check_uscc(field.data or "")
    except ValidationFailed as exc:
        raise ValidationError(exc.message) from exc


class _UserFields(FlaskForm):
    name = StringField(_l("姓名"), validators=[_required(), Length(max=100)])
    email = EmailField(
        _l("邮箱"),
        validators=[
            _required(),
            Email(message=_l("请输入有效的邮箱地址。"), check_deliverability=False),
            Length(max=254),
        ],
    )
    phone = StringField(_l("手机号码"), validators=[Optional(), Length(max=30)])
    role = SelectField(
        _l("身份"),
        choices=choices((r.value, r.label) for r in SELF_SERVICE_ROLES),
        validators=[_required()],
    )
    password = PasswordField(
        _l("密码"),
        validators=[_required(), Length(max=128, message=_l("密码不能超过 128 个字符。"))],
        description=_l("至少 8 个字符，不要使用常见密码。"),
    )
    confirm = PasswordField(
        _l("确认密码"),
        validators=[_required(), EqualTo("password", message=_l("两次输入的密码不一致。"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Labels are lazy strings: rebuild choices per request so they follow the language.
        self.role.choices = choices((r.value, r.label) for r in SELF_SERVICE_ROLES)


class RegisterOrganisationForm(_UserFields):
    org_name = StringField(_l("单位名称"), validators=[_required(), Length(max=200)])
    kind = SelectField(_l("单位类型"), validators=[_required()])
    region = SelectField(_l("所在地区"), choices=choices((r, r) for r in REGIONS))
    uscc = StringField(
        _l("统一社会信用代码"),
        validators=[_required(), _validate_uscc],
        description=_l("18 位，见营业执照或法人登记证书。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices((k.value, k.label) for k in REGISTRABLE_KINDS)


class JoinOrganisationForm(_UserFields):
    uscc = StringField(
        _l("所在单位的统一社会信用代码"),
        validators=[_required(), _validate_uscc],
        description=_l("加入申请由该单位管理员或科技局审批。"),
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("当前密码"), validators=[_required()])
    new_password = PasswordField(
        _l("新密码"),
        validators=[_required(), Length(max=128, message=_l("密码不能超过 128 个字符。"))],
    )
    confirm = PasswordField(
        _l("确认新密码"),
        validators=[_required(), EqualTo("new_password", message=_l("两次输入的密码不一致。"))],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("注册邮箱"), validators=[_required(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("新密码"),
        validators=[_required(), Length(max=128, message=_l("密码不能超过 128 个字符。"))],
    )
    confirm = PasswordField(
        _l("确认新密码"),
        validators=[_required(), EqualTo("password", message=_l("两次输入的密码不一致。"))],
    )


class ReviewOrganisationForm(FlaskForm):
    note = StringField(_l("审核意见"), validators=[Optional(), Length(max=1000)])


class UserAdminForm(FlaskForm):
    role = SelectField(_l("角色"))
    active = BooleanField(_l("账号可用"))


class CreateUserForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[_required(), Length(max=100)])
    email = EmailField(
        _l("邮箱"),
        validators=[
            _required(),
            Email(message=_l("请输入有效的邮箱地址。"), check_deliverability=False),
        ],
    )
    role = SelectField(_l("角色"))
    password = PasswordField(_l("初始密码"), validators=[_required(), Length(max=128)])
